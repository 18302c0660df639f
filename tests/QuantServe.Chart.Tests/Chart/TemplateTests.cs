using System.Text.Json.Nodes;
using QuantServe.Chart.Tests.Support;
using QuantServe.Operator;
using QuantServe.Operator.Webhooks;

namespace QuantServe.Chart.Tests.Chart;

public sealed class TemplateTests
{
    private static readonly IReadOnlyList<(string File, JsonObject Document)> Documents = ChartFiles.Documents();

    private static JsonObject Only(string kind) =>
        Documents.Where(d => d.Document["kind"]?.GetValue<string>() == kind).Should().ContainSingle($"one {kind}").Subject.Document;

    private static IEnumerable<string> AllTemplateTexts() =>
        Directory.GetFiles(Repository.Templates).Select(File.ReadAllText);

    [Fact]
    public void Every_template_is_well_formed_yaml_of_kubernetes_objects_once_its_actions_are_removed()
    {
        Repository.TemplateFiles.Should().NotBeEmpty();
        foreach (var (file, document) in Documents)
        {
            document["apiVersion"]?.GetValue<string>().Should().NotBeNullOrEmpty($"{file} documents have an apiVersion");
            document["kind"]?.GetValue<string>().Should().NotBeNullOrEmpty($"{file} documents have a kind");
            document["metadata"]?["name"]?.GetValue<string>().Should().NotBeNullOrEmpty($"{file} documents have a name");
        }
        Documents.Select(d => d.File).Distinct().Should().HaveCount(Repository.TemplateFiles.Count, "every template renders something");
    }

    [Fact]
    public void Template_files_are_named_component_dash_kind()
    {
        foreach (var group in Documents.GroupBy(d => d.File))
        {
            var kinds = group.Select(d => d.Document["kind"]!.GetValue<string>().ToLowerInvariant()).Distinct().ToList();
            kinds.Should().ContainSingle($"{group.Key} holds one kind");
            group.Key.Should().EndWith("-" + kinds[0] + ".yaml");
        }
    }

    [Fact]
    public void Every_value_the_templates_read_exists_in_values_yaml()
    {
        var defined = ValuePaths.DefinedIn(ChartFiles.Values).ToHashSet();
        var read = AllTemplateTexts().SelectMany(ValuePaths.ReadBy).Distinct().ToList();
        read.Should().NotBeEmpty();
        read.Where(p => !defined.Contains(p)).Should().BeEmpty("a template must not read a value that values.yaml does not define");
    }

    [Fact]
    public void Every_value_in_values_yaml_is_read_by_a_template()
    {
        var read = AllTemplateTexts().SelectMany(ValuePaths.ReadBy).ToHashSet();
        var unused = ValuePaths.LeavesOf(ChartFiles.Values)
            .Where(leaf => !read.Any(r => leaf == r || leaf.StartsWith(r + ".", StringComparison.Ordinal)));
        unused.Should().BeEmpty("a value no template reads would do nothing");
    }

    [Fact]
    public void The_operator_is_started_only_with_flags_it_accepts()
    {
        var program = Repository.ReadOnly("Program.cs", "operator");
        var container = Only("Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var flags = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToList();
        flags.Should().Contain(["--http-port", "--image", "--lease-namespace", "--namespace", "--no-leader-election", "--webhook-port", "--webhook-cert", "--webhook-key",
            "--webhook-cert-secret", "--webhook-namespace", "--webhook-service", "--validating-webhook-configuration", "--mutating-webhook-configuration",
            "--webhook-cert-validity-days", "--webhook-cert-renew-days"]);
        foreach (var flag in flags) program.Should().Contain($"case \"{flag}\":", $"the operator parses {flag}");
        container["args"]![0]!.GetValue<string>().Should().Be("run");
    }

    [Fact]
    public void Probes_and_ports_match_the_operator()
    {
        var values = ChartFiles.Values;
        values["operator"]!["httpPort"]!.GetValue<long>().Should().Be(new OperatorOptions().HttpPort);
        var container = Only("Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/healthz");
        container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/readyz");
        var host = Repository.ReadOnly("OperatorHost.cs", "operator");
        host.Should().Contain("\"/healthz\"").And.Contain("\"/readyz\"").And.Contain("\"/metrics\"");
        Only("ServiceMonitor")["spec"]!["endpoints"]![0]!["path"]!.GetValue<string>().Should().Be("/metrics");
    }

    [Fact]
    public void The_webhook_configurations_call_the_operator_paths_for_both_kinds()
    {
        var mutate = Only("MutatingWebhookConfiguration")["webhooks"]![0]!;
        var validate = Only("ValidatingWebhookConfiguration")["webhooks"]![0]!;
        mutate["clientConfig"]!["service"]!["path"]!.GetValue<string>().Should().Be(AdmissionWebhookServer.MutatePath);
        validate["clientConfig"]!["service"]!["path"]!.GetValue<string>().Should().Be(AdmissionWebhookServer.ValidatePath);
        foreach (var webhook in new[] { mutate, validate })
        {
            webhook["sideEffects"]!.GetValue<string>().Should().Be("None");
            var rule = webhook["rules"]![0]!;
            rule["apiGroups"]!.AsArray().Select(g => g!.GetValue<string>()).Should().Equal(Operator.Entities.V1Alpha1InferenceService.Group);
            rule["resources"]!.AsArray().Select(r => r!.GetValue<string>()).Should().BeEquivalentTo(
                Operator.Entities.V1Alpha1InferenceService.Plural, Operator.Entities.V1Alpha1QuantizationJob.Plural);
        }
    }

    [Fact]
    public void The_operator_runs_non_root_with_a_read_only_root_filesystem_and_no_capabilities()
    {
        var op = ChartFiles.Values["operator"]!;
        op["podSecurityContext"]!["runAsNonRoot"]!.GetValue<bool>().Should().BeTrue();
        op["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>().Should().BeTrue();
        op["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>().Should().BeFalse();
        op["securityContext"]!["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()).Should().Equal("ALL");
        var deployment = Repository.Read("charts", "quantserve", "templates", "operator-deployment.yaml");
        deployment.Should().Contain("toYaml .Values.operator.podSecurityContext").And.Contain("toYaml .Values.operator.securityContext");
    }

    [Fact]
    public void With_cert_manager_its_secret_is_mounted_where_the_operator_is_told_to_read_it()
    {
        var pod = Only("Deployment")["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var certificate = args[args.IndexOf("--webhook-cert") + 1];
        var key = args[args.IndexOf("--webhook-key") + 1];
        var mount = container["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "webhook-certs")!;
        var directory = mount["mountPath"]!.GetValue<string>();
        certificate.Should().Be(directory + "/tls.crt");
        key.Should().Be(directory + "/tls.key");
        // The mount, the volume and the file flags exist only with cert-manager, whose Certificate writes the Secret the volume names.
        var template = Repository.Read("charts", "quantserve", "templates", "operator-deployment.yaml").Split('\n');
        int Line(string text) => Array.FindIndex(template, l => l.Contains(text, StringComparison.Ordinal));
        template[..Line("- --webhook-cert")].Last(l => l.Contains("{{- if", StringComparison.Ordinal)).Should().Contain(".Values.webhook.certManager.enabled");
        template[..Line("- name: webhook-certs")].Last(l => l.Contains("{{- if", StringComparison.Ordinal)).Should().Contain("and .Values.webhook.enabled .Values.webhook.certManager.enabled");
        Repository.Read("charts", "quantserve", "templates", "operator-deployment.yaml").Should().Contain("secretName: {{ include \"quantserve.webhook.secretName\" . }}");
        Repository.Read("charts", "quantserve", "templates", "webhook-certificate.yaml").Should().Contain("secretName: {{ include \"quantserve.webhook.secretName\" . }}");
    }

    [Fact]
    public void Without_cert_manager_the_operator_is_told_the_secret_service_and_configurations_the_chart_names()
    {
        var deployment = Repository.Read("charts", "quantserve", "templates", "operator-deployment.yaml");
        // Flag and value on consecutive lines: the names the other templates use.
        string ValueOf(string flag)
        {
            var lines = deployment.Split('\n');
            var index = Array.FindIndex(lines, l => l.Trim() == "- " + flag);
            index.Should().BeGreaterThan(0, $"the Deployment passes {flag}");
            return lines[index + 1].Trim();
        }
        ValueOf("--webhook-cert-secret").Should().Be("- {{ include \"quantserve.webhook.secretName\" . | quote }}");
        ValueOf("--webhook-namespace").Should().Be("- {{ .Release.Namespace | quote }}");
        ValueOf("--webhook-service").Should().Be("- {{ include \"quantserve.webhook.serviceName\" . | quote }}");
        ValueOf("--validating-webhook-configuration").Should().Be("- {{ include \"quantserve.webhook.validatingName\" . | quote }}");
        ValueOf("--mutating-webhook-configuration").Should().Be("- {{ include \"quantserve.webhook.mutatingName\" . | quote }}");
        ValueOf("--webhook-cert-validity-days").Should().Be("- {{ .Values.webhook.generatedCertificate.validityDays | quote }}");
        ValueOf("--webhook-cert-renew-days").Should().Be("- {{ .Values.webhook.generatedCertificate.renewBeforeDays | quote }}");
        Repository.Read("charts", "quantserve", "templates", "webhook-validatingwebhookconfiguration.yaml").Should().Contain("name: {{ include \"quantserve.webhook.validatingName\" . }}");
        Repository.Read("charts", "quantserve", "templates", "webhook-mutatingwebhookconfiguration.yaml").Should().Contain("name: {{ include \"quantserve.webhook.mutatingName\" . }}");
        Repository.Read("charts", "quantserve", "templates", "webhook-service.yaml").Should().Contain("name: {{ include \"quantserve.webhook.serviceName\" . }}");
        var validity = ChartFiles.Values["webhook"]!["generatedCertificate"]!;
        validity["renewBeforeDays"]!.GetValue<long>().Should().BeLessThan(validity["validityDays"]!.GetValue<long>());
    }

    [Fact]
    public void The_chart_generates_no_certificate_and_renders_no_ca_bundle()
    {
        foreach (var text in AllTemplateTexts())
        {
            text.Should().NotContain("genCA").And.NotContain("genSignedCert").And.NotContain("lookup ");
        }
        foreach (var kind in new[] { "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration" })
            foreach (var webhook in Only(kind)["webhooks"]!.AsArray())
                webhook!["clientConfig"]!.AsObject().Should().NotContainKey("caBundle", $"the operator or cert-manager fills {kind} caBundle");
        Documents.Should().NotContain(d => d.Document["kind"]!.GetValue<string>() == "Secret", "the operator creates the certificate Secret");
    }
}
