using System.Diagnostics;
using System.Text.Json.Nodes;
using QuantServe.Engine.Chat;

namespace QuantServe.Engine.Tests.Chat;

/// <summary>
/// The chat template corpus (tools/chat-template-reference/cases.json), Hugging Face's renders of it
/// (render.mjs runs @huggingface/jinja under node, once per test run) and the cases where Python
/// jinja2, which transformers and TGI use, renders differently (python-overrides.json, written by
/// render_jinja2.py): there Python's render is the expected one.
/// </summary>
internal static class ChatTemplateReference
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);
    private static readonly Lazy<JsonObject> Cases = new(() => ReadJson("cases.json").AsObject());
    private static readonly Lazy<JsonArray> HuggingFaceRenders = new(RunNode);
    private static readonly Lazy<JsonArray> PythonOverrides = new(() => ReadJson("python-overrides.json").AsArray());

    public static string Directory => Path.Combine(Root.Value, "tools", "chat-template-reference");

    public static IEnumerable<string> TemplateNames =>
        Cases.Value["templates"]!.AsArray().Select(t => t!["name"]!.GetValue<string>());

    public static JsonArray Conversations => Cases.Value["conversations"]!.AsArray();

    public static JsonArray Overrides => PythonOverrides.Value;

    /// <summary>The template's source and special tokens, from the npm package or the committed file.</summary>
    public static (string Source, string? Bos, string? Eos) Template(string name)
    {
        var entry = Cases.Value["templates"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == name)!;
        if (entry["file"] is JsonNode file)
        {
            return (File.ReadAllText(Path.Combine(Directory, file.GetValue<string>())), entry["bos_token"]?.GetValue<string>(), entry["eos_token"]?.GetValue<string>());
        }
        string path = Path.Combine(Root.Value, "tests", "fixtures", "npm", "node_modules", entry["npm"]!.GetValue<string>());
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing. Run tools/setup-test-deps.sh from the repository root once.");
        }
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        static string? Token(JsonNode? token) => token switch
        {
            null => null,
            JsonObject added => added["content"]!.GetValue<string>(),
            _ => token.GetValue<string>(),
        };
        return (config["chat_template"]!.GetValue<string>(), Token(config["bos_token"]), Token(config["eos_token"]));
    }

    public static ChatTemplateContext Context(JsonNode conversation, bool addGenerationPrompt, string? bos, string? eos)
    {
        var extra = conversation["extra"]?.AsObject().ToDictionary(e => e.Key, e => e.Value?.DeepClone());
        return new ChatTemplateContext(conversation["messages"]!.AsArray().Select(m => m!.DeepClone().AsObject()).ToList())
        {
            AddGenerationPrompt = addGenerationPrompt,
            BosToken = bos,
            EosToken = eos,
            Tools = conversation["tools"]?.DeepClone().AsArray(),
            Extra = extra,
        };
    }

    /// <summary>@huggingface/jinja's result for one case: output, raised (raise_exception's message) or error.</summary>
    public static JsonObject HuggingFace(string template, string conversation, bool addGenerationPrompt) =>
        Find(HuggingFaceRenders.Value, template, conversation, addGenerationPrompt)
        ?? throw new InvalidOperationException($"render.mjs gave no result for {template}/{conversation}/{addGenerationPrompt}");

    public static JsonObject? PythonOverride(string template, string conversation, bool addGenerationPrompt) =>
        Find(PythonOverrides.Value, template, conversation, addGenerationPrompt);

    private static JsonObject? Find(JsonArray results, string template, string conversation, bool addGenerationPrompt) =>
        results.Select(r => r!.AsObject()).SingleOrDefault(r =>
            r["template"]!.GetValue<string>() == template && r["conversation"]!.GetValue<string>() == conversation
            && r["add_generation_prompt"]!.GetValue<bool>() == addGenerationPrompt);

    private static JsonNode ReadJson(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, name)))!;

    private static JsonArray RunNode()
    {
        var start = new ProcessStartInfo("node", [Path.Combine(Directory, "render.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Root.Value,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node is needed for the chat template reference renders. Run tools/setup-test-deps.sh from the repository root once.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"tools/chat-template-reference/render.mjs failed ({process.ExitCode}): {stderr} Run tools/setup-test-deps.sh from the repository root once.");
            }
            return JsonNode.Parse(stdout.Result)!.AsArray();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "QuantServe.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("The repository root (QuantServe.sln) is not above the test binaries.");
    }
}
