using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace QuantServe.Engine.Chat;

/// <summary>
/// Splits a template into tokens the way Python jinja2's lexer does with the options transformers
/// uses (trim_blocks, lstrip_blocks, keep_trailing_newline off): newlines normalized to \n, one
/// trailing newline dropped, "-" strips all whitespace on its side, "+" keeps it, lstrip_blocks
/// removes the spaces and tabs before a block or comment tag that starts its line, trim_blocks removes
/// the first newline after a block or comment tag.
/// </summary>
internal sealed partial class TemplateLexer
{
    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", "<=", ">=",
        "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";",
    ];

    private readonly string _source;
    private readonly List<TemplateToken> _tokens = [];
    private readonly List<int> _lineStarts = [0];
    private int _position;

    private TemplateLexer(string source)
    {
        source = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (source.EndsWith('\n'))
        {
            source = source[..^1];
        }
        _source = source;
        for (int i = source.IndexOf('\n'); i >= 0; i = source.IndexOf('\n', i + 1))
        {
            _lineStarts.Add(i + 1);
        }
    }

    public static List<TemplateToken> Tokenize(string source)
    {
        var lexer = new TemplateLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_position < _source.Length)
        {
            int tag = FindTagStart(_position);
            if (tag < 0)
            {
                Emit(TokenKind.Text, _source[_position..], _position);
                break;
            }
            char kind = _source[tag + 1];
            char control = tag + 2 < _source.Length ? _source[tag + 2] : '\0';
            string text = _source[_position..tag];
            if (control == '-')
            {
                text = PythonText.TrimEnd(text);
            }
            else if (control != '+' && kind != '{')
            {
                text = LeftStripBlock(text, _position);
            }
            if (text.Length > 0)
            {
                Emit(TokenKind.Text, text, _position);
            }
            int inner = tag + 2 + (control is '-' or '+' ? 1 : 0);
            if (kind == '#')
            {
                SkipComment(tag, inner);
            }
            else
            {
                LexTag(tag, inner, kind == '{');
            }
        }
        _tokens.Add(new TemplateToken(TokenKind.EndOfTemplate, "", LineOf(_source.Length), ColumnOf(_source.Length)));
    }

    private int FindTagStart(int from)
    {
        for (int i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            char next = _source[i + 1];
            if (next is '{' or '%' or '#')
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>lstrip_blocks: drop spaces and tabs between the start of the line and the tag.</summary>
    private string LeftStripBlock(string text, int textStart)
    {
        int lineStart = text.LastIndexOf('\n') + 1;
        bool lineStarting = textStart == 0 || _source[textStart - 1] == '\n';
        if ((lineStart > 0 || lineStarting) && lineStart < text.Length && PythonText.IsAllWhitespace(text.AsSpan(lineStart)))
        {
            return text[..lineStart];
        }
        return text;
    }

    private void SkipComment(int tag, int inner)
    {
        int end = _source.IndexOf("#}", inner, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error("unclosed comment, '#}' is missing", tag);
        }
        char before = end > inner ? _source[end - 1] : '\0';
        _position = end + 2;
        AfterTagEnd(before, isBlock: true);
    }

    private void AfterTagEnd(char controlBeforeEnd, bool isBlock)
    {
        if (controlBeforeEnd == '-')
        {
            while (_position < _source.Length && PythonText.IsWhitespace(_source[_position]))
            {
                _position++;
            }
        }
        else if (controlBeforeEnd != '+' && isBlock && _position < _source.Length && _source[_position] == '\n')
        {
            _position++; // trim_blocks
        }
    }

    private void LexTag(int tag, int inner, bool isVariable)
    {
        Emit(isVariable ? TokenKind.VariableBegin : TokenKind.BlockBegin, isVariable ? "{{" : "{%", tag);
        int firstToken = _tokens.Count;
        int i = inner;
        int depth = 0;
        while (true)
        {
            while (i < _source.Length && _source[i] is ' ' or '\t' or '\n')
            {
                i++;
            }
            if (i >= _source.Length)
            {
                throw Error(isVariable ? "unclosed '{{', '}}' is missing" : "unclosed '{%', '%}' is missing", tag);
            }
            if (depth == 0 && TryTagEnd(i, isVariable, out int endLength, out char control))
            {
                // jinja2 keeps the newline after {% raw %} (its raw_begin rule has no trim_blocks suffix).
                bool isRaw = !isVariable && _tokens.Count == firstToken + 1 && _tokens[firstToken].IsName("raw");
                Emit(isVariable ? TokenKind.VariableEnd : TokenKind.BlockEnd, isVariable ? "}}" : "%}", i);
                _position = i + endLength;
                AfterTagEnd(control, isBlock: !isVariable && !isRaw);
                break;
            }
            i = LexExpressionToken(i, ref depth);
        }
        if (!isVariable && _tokens.Count == firstToken + 2 && _tokens[firstToken].IsName("raw"))
        {
            LexRaw(tag);
        }
    }

    private bool TryTagEnd(int i, bool isVariable, out int length, out char control)
    {
        string end = isVariable ? "}}" : "%}";
        control = '\0';
        length = 0;
        if (string.CompareOrdinal(_source, i, end, 0, 2) == 0)
        {
            length = 2;
            return true;
        }
        if (_source[i] is '-' or '+' && i + 2 < _source.Length + 0 && string.CompareOrdinal(_source, i + 1, end, 0, 2) == 0)
        {
            if (_source[i] == '+' && isVariable)
            {
                return false;
            }
            control = _source[i];
            length = 3;
            return true;
        }
        return false;
    }

    private void LexRaw(int tag)
    {
        var match = EndRawPattern().Match(_source, _position);
        if (!match.Success)
        {
            throw Error("'{% raw %}' without '{% endraw %}'", tag);
        }
        // The raw block's tokens become one text token.
        _tokens.RemoveRange(_tokens.Count - 3, 3);
        string text = _source[_position..match.Index];
        if (match.Groups[1].Value == "-")
        {
            text = PythonText.TrimEnd(text);
        }
        if (text.Length > 0)
        {
            Emit(TokenKind.Text, text, _position);
        }
        _position = match.Index + match.Length;
        string endControl = match.Groups[2].Value;
        AfterTagEnd(endControl.Length > 0 ? endControl[0] : '\0', isBlock: true);
    }

    [GeneratedRegex(@"\{%([-+]?)\s*endraw\s*([-+]?)%\}")]
    private static partial Regex EndRawPattern();

    private int LexExpressionToken(int i, ref int depth)
    {
        char c = _source[i];
        if (char.IsLetter(c) || c == '_')
        {
            int start = i;
            while (i < _source.Length && (char.IsLetterOrDigit(_source[i]) || _source[i] == '_'))
            {
                i++;
            }
            Emit(TokenKind.Name, _source[start..i], start);
            return i;
        }
        if (char.IsAsciiDigit(c))
        {
            return LexNumber(i);
        }
        if (c is '\'' or '"')
        {
            return LexString(i);
        }
        foreach (string op in Operators)
        {
            if (string.CompareOrdinal(_source, i, op, 0, op.Length) == 0)
            {
                if (op is "(" or "[" or "{")
                {
                    depth++;
                }
                else if (op is ")" or "]" or "}")
                {
                    if (depth == 0)
                    {
                        throw Error($"unexpected '{op}'", i);
                    }
                    depth--;
                }
                Emit(TokenKind.Operator, op, i);
                return i + op.Length;
            }
        }
        throw Error($"unexpected character '{c}'", i);
    }

    private int LexNumber(int start)
    {
        int i = start;
        bool isFloat = false;
        SkipDigits(ref i);
        if (i + 1 < _source.Length && _source[i] == '.' && char.IsAsciiDigit(_source[i + 1]))
        {
            isFloat = true;
            i++;
            SkipDigits(ref i);
        }
        if (i < _source.Length && _source[i] is 'e' or 'E')
        {
            int j = i + 1;
            if (j < _source.Length && _source[j] is '+' or '-')
            {
                j++;
            }
            if (j < _source.Length && char.IsAsciiDigit(_source[j]))
            {
                isFloat = true;
                i = j;
                SkipDigits(ref i);
            }
        }
        Emit(isFloat ? TokenKind.Float : TokenKind.Integer, _source[start..i].Replace("_", "", StringComparison.Ordinal), start);
        return i;
    }

    private void SkipDigits(ref int i)
    {
        while (i < _source.Length && (char.IsAsciiDigit(_source[i]) || (_source[i] == '_' && i + 1 < _source.Length && char.IsAsciiDigit(_source[i + 1]))))
        {
            i++;
        }
    }

    /// <summary>A quoted string with Python's backslash escapes (jinja2 decodes them with unicode-escape).</summary>
    private int LexString(int start)
    {
        char quote = _source[start];
        var value = new StringBuilder();
        int i = start + 1;
        while (true)
        {
            if (i >= _source.Length)
            {
                throw Error("unterminated string", start);
            }
            char c = _source[i];
            if (c == quote)
            {
                break;
            }
            if (c != '\\' || i + 1 >= _source.Length)
            {
                value.Append(c);
                i++;
                continue;
            }
            char e = _source[i + 1];
            i += 2;
            switch (e)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case 'a': value.Append('\a'); break;
                case '0' when i >= _source.Length || !char.IsAsciiDigit(_source[i]): value.Append('\0'); break;
                case '\\': value.Append('\\'); break;
                case '\'': value.Append('\''); break;
                case '"': value.Append('"'); break;
                case '\n': break;
                case 'x': i = AppendCodePoint(value, i, 2, start); break;
                case 'u': i = AppendCodePoint(value, i, 4, start); break;
                case 'U': i = AppendCodePoint(value, i, 8, start); break;
                default: value.Append('\\').Append(e); break;
            }
        }
        Emit(TokenKind.String, value.ToString(), start);
        return i + 1;
    }

    private int AppendCodePoint(StringBuilder value, int i, int digits, int start)
    {
        if (i + digits > _source.Length
            || !int.TryParse(_source.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int codePoint)
            || codePoint > 0x10FFFF)
        {
            throw Error($"invalid \\{_source[i - 1]} escape in string", start);
        }
        value.Append(char.ConvertFromUtf32(codePoint));
        return i + digits;
    }

    private void Emit(TokenKind kind, string value, int offset) =>
        _tokens.Add(new TemplateToken(kind, value, LineOf(offset), ColumnOf(offset)));

    private int LineOf(int offset)
    {
        int index = _lineStarts.BinarySearch(offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private int ColumnOf(int offset) => offset - _lineStarts[LineOf(offset) - 1] + 1;

    private ChatTemplateException Error(string problem, int offset) =>
        new($"Chat template syntax error at line {LineOf(offset)}, column {ColumnOf(offset)}: {problem}.");
}
