using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>
/// The <c>tojson</c> filter as transformers defines it: <c>json.dumps(x, ensure_ascii=False,
/// indent=indent, separators=separators, sort_keys=sort_keys)</c>, so keys keep their order,
/// non-ASCII text stays as is and the separators are ", " and ": " (", " becomes "," with indent).
/// </summary>
internal static class PythonJson
{
    public static string Dumps(object? value, bool ensureAscii, object? indent, string? itemSeparator, string? keySeparator, bool sortKeys)
    {
        string? indentText = indent switch
        {
            null => null,
            long spaces => new string(' ', (int)Math.Max(0, spaces)),
            string text => text,
            _ => throw new ChatTemplateException($"tojson: indent must be an int or a string, not {PythonValues.TypeName(indent)}"),
        };
        var writer = new JsonWriter(ensureAscii, indentText, itemSeparator ?? (indentText is null ? ", " : ","), keySeparator ?? ": ", sortKeys);
        writer.Write(value, 0);
        return writer.ToString();
    }

    private sealed class JsonWriter(bool ensureAscii, string? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        private readonly StringBuilder _builder = new();

        public override string ToString() => _builder.ToString();

        public void Write(object? value, int depth)
        {
            switch (value)
            {
                case null: _builder.Append("null"); break;
                case bool b: _builder.Append(b ? "true" : "false"); break;
                case long l: _builder.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d:
                    _builder.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PythonValues.FloatRepr(d));
                    break;
                case string s: WriteString(s); break;
                case List<object?> list: WriteArray(list, depth); break;
                case object?[] tuple: WriteArray(tuple, depth); break;
                case PythonDict dict: WriteObject(dict, depth); break;
                default:
                    throw new ChatTemplateException($"Object of type {PythonValues.TypeName(value)} is not JSON serializable");
            }
        }

        private void WriteArray(IList<object?> items, int depth)
        {
            if (items.Count == 0)
            {
                _builder.Append("[]");
                return;
            }
            _builder.Append('[');
            for (int i = 0; i < items.Count; i++)
            {
                if (i > 0)
                {
                    _builder.Append(itemSeparator);
                }
                NewLine(depth + 1);
                Write(items[i], depth + 1);
            }
            NewLine(depth);
            _builder.Append(']');
        }

        private void WriteObject(PythonDict dict, int depth)
        {
            if (dict.Count == 0)
            {
                _builder.Append("{}");
                return;
            }
            var entries = dict.Select(e => (Key: KeyText(e.Key), e.Value)).ToList();
            if (sortKeys)
            {
                entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            }
            _builder.Append('{');
            for (int i = 0; i < entries.Count; i++)
            {
                if (i > 0)
                {
                    _builder.Append(itemSeparator);
                }
                NewLine(depth + 1);
                WriteString(entries[i].Key);
                _builder.Append(keySeparator);
                Write(entries[i].Value, depth + 1);
            }
            NewLine(depth);
            _builder.Append('}');
        }

        private static string KeyText(object key) => key switch
        {
            string s => s,
            bool b => b ? "true" : "false",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => PythonValues.FloatRepr(d),
            _ => throw new ChatTemplateException($"keys must be str, int, float, bool or None, not {PythonValues.TypeName(key)}"),
        };

        private void NewLine(int depth)
        {
            if (indent is null)
            {
                return;
            }
            _builder.Append('\n');
            for (int i = 0; i < depth; i++)
            {
                _builder.Append(indent);
            }
        }

        private void WriteString(string s)
        {
            _builder.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': _builder.Append("\\\""); break;
                    case '\\': _builder.Append("\\\\"); break;
                    case '\n': _builder.Append("\\n"); break;
                    case '\r': _builder.Append("\\r"); break;
                    case '\t': _builder.Append("\\t"); break;
                    case '\b': _builder.Append("\\b"); break;
                    case '\f': _builder.Append("\\f"); break;
                    default:
                        if (c < 0x20 || (ensureAscii && c > 0x7e))
                        {
                            _builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            _builder.Append(c);
                        }
                        break;
                }
            }
            _builder.Append('"');
        }
    }
}
