using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QuantServe.Chart.Tests.Support;

/// <summary>Runs an Argo CD health script under Debian's lua5.4 the way Argo CD does: the object as the
/// global table <c>obj</c>, the script's returned table read as status and message.</summary>
public static class LuaHealthCheck
{
    public const string Interpreter = "lua5.4";

    private const string Harness = """
        obj = dofile(arg[2])
        local hs = dofile(arg[1])
        if type(hs) ~= "table" then error("the health script returned " .. type(hs) .. ", not a table") end
        io.write(tostring(hs.status), "\n", tostring(hs.message or ""))
        """;

    public sealed record Health(string Status, string Message);

    public static Health Run(string scriptPath, JsonNode obj)
    {
        var work = Directory.CreateTempSubdirectory("argocd-health-");
        try
        {
            var harness = Path.Combine(work.FullName, "harness.lua");
            var objectFile = Path.Combine(work.FullName, "object.lua");
            File.WriteAllText(harness, Harness);
            File.WriteAllText(objectFile, "return " + ToLua(obj));
            var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { harness, scriptPath, objectFile }) start.ArgumentList.Add(a);
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException($"{Interpreter} did not start");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"{Interpreter} is not installed: run tools/setup-test-deps.sh (apt-get install lua5.4)", e);
            }
            using (process)
            {
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0) throw new InvalidOperationException($"{Interpreter} {scriptPath} failed ({process.ExitCode}): {error}");
                var lines = output.Result.Split('\n', 2);
                return new Health(lines[0], lines.Length > 1 ? lines[1] : "");
            }
        }
        finally
        {
            work.Delete(true);
        }
    }

    /// <summary>A JSON value as a Lua constructor: objects become tables with string keys, arrays
    /// sequences from 1, null is absent (as Argo CD's conversion leaves it).</summary>
    public static string ToLua(JsonNode? node) => node switch
    {
        null => "nil",
        JsonObject o => "{" + string.Join(", ", o.Where(p => p.Value is not null).Select(p => $"[{Quote(p.Key)}] = {ToLua(p.Value)}")) + "}",
        JsonArray a => "{" + string.Join(", ", a.Select(ToLua)) + "}",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => Quote(v.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => v.ToJsonString(),
            var kind => throw new NotSupportedException($"JSON {kind} has no Lua form"),
        },
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static string Quote(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s)
        {
            b.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when c < ' ' => "\\" + ((int)c).ToString("D3", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return b.Append('"').ToString();
    }
}
