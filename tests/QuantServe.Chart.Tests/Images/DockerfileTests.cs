using System.Text.RegularExpressions;
using System.Xml.Linq;
using QuantServe.Chart.Tests.Support;

namespace QuantServe.Chart.Tests.Images;

public sealed partial class DockerfileTests
{
    public static TheoryData<string> Dockerfiles() => new() { "operator/Dockerfile", "server-image/Dockerfile" };

    private static Dockerfile Load(string path) => Dockerfile.Parse(Repository.Read(path.Split('/')), path);

    [GeneratedRegex(@"(TOKEN|PASSWORD|PASSWD|SECRET|KEY|CREDENTIAL)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_base_image_is_pinned_to_a_version_tag(string path)
    {
        var dockerfile = Load(path);
        var stageNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in dockerfile.Stages)
        {
            if (!stageNames.Contains(stage.Image))
            {
                var image = stage.Image;
                image.Should().NotContain("$", $"{path}: {image} is fixed, not an ARG");
                if (!image.Contains("@sha256:", StringComparison.Ordinal))
                {
                    var slash = image.LastIndexOf('/');
                    var colon = image.IndexOf(':', slash + 1);
                    colon.Should().BePositive($"{path}: {image} names a tag");
                    var tag = image[(colon + 1)..];
                    tag.Should().NotBe("latest", $"{path}: {image}");
                    tag.Should().MatchRegex(@"^\d+\.\d+(\.\d+)", $"{path}: {image} is pinned to a full version");
                }
            }
            if (stage.Name is not null) stageNames.Add(stage.Name);
        }
        dockerfile.Stages.Should().HaveCountGreaterThan(1, $"{path} is multi-stage: the SDK stays out of the image");
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_final_stage_runs_as_a_numeric_non_root_user(string path)
    {
        var users = Load(path).Final.Instructions.Where(i => i.Keyword == "USER").ToList();
        users.Should().NotBeEmpty($"{path} sets USER in its final stage");
        var user = users[^1].Arguments.Split(':')[0];
        user.Should().MatchRegex("^[0-9]+$", "a numeric user lets Kubernetes' runAsNonRoot verify it");
        int.Parse(user, System.Globalization.CultureInfo.InvariantCulture).Should().BePositive($"{path} must not run as root");
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void No_secret_is_baked_into_the_image(string path)
    {
        foreach (var instruction in Load(path).Instructions.Where(i => i.Keyword is "ENV" or "ARG"))
            foreach (var (key, value) in Dockerfile.Assignments(instruction))
                if (SecretName().IsMatch(key))
                    value.Should().BeEmpty($"{path}:{instruction.Line}: {key} must come from the environment at run time, not the image");
        Repository.Read(path.Split('/')).Should().NotContainAny(["hf_", "--build-arg HF_TOKEN", "PRIVATE KEY"]);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_copied_source_exists_in_the_repository_root_context(string path)
    {
        foreach (var copy in Load(path).Instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)))
        {
            var words = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in words[..^1])
                (File.Exists(Repository.PathOf(source.TrimEnd('/'))) || Directory.Exists(Repository.PathOf(source.TrimEnd('/'))))
                    .Should().BeTrue($"{path}:{copy.Line}: {source} exists relative to the repository root (the build context)");
        }
    }

    [Theory]
    [InlineData("operator/Dockerfile", "operator/QuantServe.Operator/QuantServe.Operator.csproj")]
    [InlineData("server-image/Dockerfile", "server-image/QuantServe/QuantServe.csproj")]
    public void The_entrypoint_is_a_program_that_make_build_produces(string path, string project)
    {
        var dockerfile = Load(path);
        var entrypoint = dockerfile.Final.Instructions.Last(i => i.Keyword == "ENTRYPOINT");
        var program = Path.GetFileName(Dockerfile.ExecForm(entrypoint)[0]);

        var assemblyName = XDocument.Parse(Repository.Read(project.Split('/'))).Descendants("AssemblyName").Single().Value;
        program.Should().Be(assemblyName, $"{path} runs what {project} publishes");
        dockerfile.Instructions.Should().Contain(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish " + project, StringComparison.Ordinal),
            $"{path} publishes {project}");

        var makefile = Repository.Read("Makefile");
        var build = makefile[makefile.IndexOf("\nbuild:", StringComparison.Ordinal)..];
        build = build[..build.IndexOf("\n\n", StringComparison.Ordinal)];
        build.Should().Contain("$(BIN)/" + program, $"make build puts {program} in out/bin");
        build.Should().Contain(project, "make build publishes the same project");
    }

    [Fact]
    public void The_serving_image_matches_tgi_conventions_on_a_cuda_runtime()
    {
        var dockerfile = Load("server-image/Dockerfile");
        dockerfile.Final.Image.Should().MatchRegex(@"^nvidia/cuda:\d+\.\d+\.\d+-runtime-ubuntu\d+\.\d+$");
        var env = dockerfile.Final.Instructions.Where(i => i.Keyword == "ENV").SelectMany(Dockerfile.Assignments).ToDictionary(p => p.Key, p => p.Value);
        env.Should().Contain("HF_HOME", "/data").And.Contain("PORT", "80");
        dockerfile.Final.Instructions.Should().Contain(i => i.Keyword == "EXPOSE" && i.Arguments.Split(' ').Contains("80"));
        Dockerfile.ExecForm(dockerfile.Final.Instructions.Last(i => i.Keyword == "ENTRYPOINT")).Should().Equal("quantserve");
        // The .NET runtime comes from Microsoft's ASP.NET Core image of a pinned version.
        dockerfile.Stages.Should().Contain(s => s.Image.StartsWith("mcr.microsoft.com/dotnet/aspnet:", StringComparison.Ordinal));
        dockerfile.Final.Instructions.Should().Contain(i => i.Keyword == "COPY" && i.Arguments.Contains("/usr/share/dotnet", StringComparison.Ordinal));
    }

    [Fact]
    public void The_serving_port_the_operator_passes_is_one_the_server_reads()
    {
        // The image defaults to port 80 through PORT; the operator's pods pass --port explicitly.
        var serve = Repository.ReadOnly("ServeCommand.cs", "server-image");
        serve.Should().Contain("o.Int(\"port\", \"PORT\")").And.Contain("o.String(\"hostname\", \"HOSTNAME\")");
    }

    [Fact]
    public void The_parser_reads_continuations_and_rejects_a_shell_form_entrypoint()
    {
        var dockerfile = Dockerfile.Parse("FROM a:1.2.3 AS b\nRUN one \\\n  # note\n  two\nENTRYPOINT quantserve serve\n", "t");
        dockerfile.Final.Instructions[0].Arguments.Should().Be("one  two");
        var act = () => Dockerfile.ExecForm(dockerfile.Final.Instructions[1]);
        act.Should().Throw<FormatException>().WithMessage("*shell form*");
    }
}
