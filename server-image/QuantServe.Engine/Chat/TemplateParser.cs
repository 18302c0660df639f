using System.Globalization;

namespace QuantServe.Engine.Chat;

/// <summary>
/// Recursive-descent parser for the Jinja subset chat templates use, with jinja2's precedence:
/// conditional &lt; or &lt; and &lt; not &lt; comparison &lt; + - &lt; ~ &lt; * / // % &lt; ** &lt; unary,
/// and filters, tests (<c>is</c>) and calls binding tighter than any binary operator. Unknown
/// statements, filters and tests are rejected here, naming the construct and where it is.
/// </summary>
internal sealed class TemplateParser
{
    private static readonly HashSet<string> UnsupportedStatements =
        ["include", "extends", "import", "from", "block", "endblock", "autoescape", "endautoescape", "trans", "pluralize", "do", "debug"];

    private readonly List<TemplateToken> _tokens;
    private int _index;

    private TemplateParser(List<TemplateToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<Statement> Parse(string source)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(source));
        var body = parser.ParseBody([]);
        if (parser.Current.Kind != TokenKind.EndOfTemplate)
        {
            throw Error($"unexpected '{{% {parser.Peek(1).Value} %}}'", parser.Current);
        }
        return body;
    }

    private TemplateToken Current => _tokens[_index];

    private TemplateToken Peek(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private TemplateToken Next() => _tokens[_index++];

    /// <summary>Statements up to a block tag whose name is in <paramref name="terminators"/> (left unconsumed).</summary>
    private List<Statement> ParseBody(HashSet<string> terminators)
    {
        var body = new List<Statement>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.EndOfTemplate:
                    if (terminators.Count > 0)
                    {
                        throw Error($"unexpected end of template, expected {string.Join(" or ", terminators.Select(t => $"'{{% {t} %}}'"))}", token);
                    }
                    return body;
                case TokenKind.Text:
                    Next();
                    body.Add(new TextStatement(token.Value, token.Line));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    body.Add(new OutputStatement(ParseTuple(allowEmpty: false), token.Line));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    var name = Peek(1);
                    if (name.Kind != TokenKind.Name)
                    {
                        throw Error($"expected a statement name after '{{%', found {name}", name);
                    }
                    if (terminators.Contains(name.Value))
                    {
                        return body;
                    }
                    Next();
                    body.Add(ParseStatement());
                    break;
                default:
                    throw Error($"unexpected {token}", token);
            }
        }
    }

    private Statement ParseStatement()
    {
        var keyword = Next();
        switch (keyword.Value)
        {
            case "if": return ParseIf(keyword);
            case "for": return ParseFor(keyword);
            case "set": return ParseSet(keyword);
            case "macro": return ParseMacro(keyword);
            case "call": return ParseCallBlock(keyword);
            case "filter": return ParseFilterBlock(keyword);
            case "with": return ParseWith(keyword);
            case "generation":
                Expect(TokenKind.BlockEnd);
                var generation = ParseBody(["endgeneration"]);
                EndTag("endgeneration");
                return new GenerationStatement(generation, keyword.Line);
            case "break":
                Expect(TokenKind.BlockEnd);
                return new BreakStatement(keyword.Line);
            case "continue":
                Expect(TokenKind.BlockEnd);
                return new ContinueStatement(keyword.Line);
            default:
                if (UnsupportedStatements.Contains(keyword.Value))
                {
                    throw Error($"'{{% {keyword.Value} %}}' is not supported in chat templates", keyword);
                }
                throw Error($"unknown statement '{{% {keyword.Value} %}}'", keyword);
        }
    }

    private IfStatement ParseIf(TemplateToken keyword)
    {
        var branches = new List<(Expression, IReadOnlyList<Statement>)>();
        List<Statement>? elseBody = null;
        var condition = ParseTuple(allowEmpty: false);
        Expect(TokenKind.BlockEnd);
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"]);
            branches.Add((condition, body));
            Next(); // {%
            var tag = Next();
            if (tag.Value == "elif")
            {
                condition = ParseTuple(allowEmpty: false);
                Expect(TokenKind.BlockEnd);
                continue;
            }
            if (tag.Value == "else")
            {
                Expect(TokenKind.BlockEnd);
                elseBody = ParseBody(["endif"]);
                EndTag("endif");
            }
            else
            {
                Expect(TokenKind.BlockEnd);
            }
            return new IfStatement(branches, elseBody, keyword.Line);
        }
    }

    private ForStatement ParseFor(TemplateToken keyword)
    {
        var target = ParseAssignTarget(allowAttribute: false);
        ExpectName("in");
        var iterable = ParseTuple(allowEmpty: false, withConditional: false);
        Expression? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }
        if (Current.IsName("recursive"))
        {
            throw Error("recursive for loops are not supported in chat templates", Current);
        }
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["else", "endfor"]);
        List<Statement>? elseBody = null;
        if (Peek(1).IsName("else"))
        {
            Next();
            Next();
            Expect(TokenKind.BlockEnd);
            elseBody = ParseBody(["endfor"]);
        }
        EndTag("endfor");
        return new ForStatement(target, iterable, filter, body, elseBody, keyword.Line);
    }

    private Statement ParseSet(TemplateToken keyword)
    {
        var target = ParseAssignTarget(allowAttribute: true);
        if (Current.IsOperator("="))
        {
            Next();
            var value = ParseTuple(allowEmpty: false);
            Expect(TokenKind.BlockEnd);
            return new SetStatement(target, value, keyword.Line);
        }
        var filters = new List<FilterCall>();
        while (Current.IsOperator("|"))
        {
            Next();
            filters.Add(ParseFilterCall());
        }
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endset"]);
        EndTag("endset");
        return new SetBlockStatement(target, filters, body, keyword.Line);
    }

    private MacroStatement ParseMacro(TemplateToken keyword)
    {
        string name = ExpectKind(TokenKind.Name).Value;
        var parameters = ParseParameters();
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endmacro"]);
        EndTag("endmacro");
        return new MacroStatement(name, parameters, body, keyword.Line);
    }

    private CallBlockStatement ParseCallBlock(TemplateToken keyword)
    {
        List<MacroParameter> parameters = Current.IsOperator("(") ? ParseParameters() : [];
        var call = ParseExpression() as CallExpression
            ?? throw Error("'{% call %}' expects a macro call", keyword);
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endcall"]);
        EndTag("endcall");
        return new CallBlockStatement(call, parameters, body, keyword.Line);
    }

    private FilterBlockStatement ParseFilterBlock(TemplateToken keyword)
    {
        var filters = new List<FilterCall> { ParseFilterCall() };
        while (Current.IsOperator("|"))
        {
            Next();
            filters.Add(ParseFilterCall());
        }
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endfilter"]);
        EndTag("endfilter");
        return new FilterBlockStatement(filters, body, keyword.Line);
    }

    private WithStatement ParseWith(TemplateToken keyword)
    {
        var assignments = new List<(AssignTarget, Expression)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0)
            {
                ExpectOperator(",");
            }
            var target = ParseAssignTarget(allowAttribute: false);
            ExpectOperator("=");
            assignments.Add((target, ParseExpression()));
        }
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endwith"]);
        EndTag("endwith");
        return new WithStatement(assignments, body, keyword.Line);
    }

    private List<MacroParameter> ParseParameters()
    {
        ExpectOperator("(");
        var parameters = new List<MacroParameter>();
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
            {
                ExpectOperator(",");
            }
            string name = ExpectKind(TokenKind.Name).Value;
            Expression? defaultValue = null;
            if (Current.IsOperator("="))
            {
                Next();
                defaultValue = ParseExpression();
            }
            else if (parameters.Count > 0 && parameters[^1].Default is not null)
            {
                throw Error($"parameter '{name}' without a default follows one with a default", Current);
            }
            parameters.Add(new MacroParameter(name, defaultValue));
        }
        Next();
        return parameters;
    }

    private void EndTag(string name)
    {
        Expect(TokenKind.BlockBegin);
        ExpectName(name);
        Expect(TokenKind.BlockEnd);
    }

    private AssignTarget ParseAssignTarget(bool allowAttribute)
    {
        var targets = new List<AssignTarget>();
        bool parenthesized = Current.IsOperator("(");
        if (parenthesized)
        {
            Next();
        }
        while (true)
        {
            var name = ExpectKind(TokenKind.Name);
            if (allowAttribute && Current.IsOperator("."))
            {
                Next();
                targets.Add(new AttributeTarget(name.Value, ExpectKind(TokenKind.Name).Value));
            }
            else
            {
                targets.Add(new NameTarget(name.Value));
            }
            if (!Current.IsOperator(","))
            {
                break;
            }
            Next();
            if (Current.Kind != TokenKind.Name)
            {
                break;
            }
        }
        if (parenthesized)
        {
            ExpectOperator(")");
        }
        return targets.Count == 1 && !parenthesized ? targets[0] : new TupleTarget(targets);
    }

    /// <summary>An expression or an implicit tuple (<c>a, b</c>).</summary>
    private Expression ParseTuple(bool allowEmpty, bool withConditional = true)
    {
        int line = Current.Line;
        var items = new List<Expression>();
        bool sawComma = false;
        while (true)
        {
            if (items.Count > 0)
            {
                if (!Current.IsOperator(","))
                {
                    break;
                }
                Next();
                sawComma = true;
            }
            if (IsTupleEnd())
            {
                break;
            }
            items.Add(withConditional ? ParseExpression() : ParseOr());
        }
        if (!sawComma && items.Count == 1)
        {
            return items[0];
        }
        if (items.Count == 0 && !allowEmpty)
        {
            throw Error($"expected an expression, found {Current}", Current);
        }
        return new TupleExpression(items, line);
    }

    private bool IsTupleEnd() =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.EndOfTemplate
        || Current.IsOperator(")") || Current.IsOperator("]") || Current.IsOperator("}")
        || Current.IsName("if") || Current.IsName("in");

    private Expression ParseExpression()
    {
        var value = ParseOr();
        if (!Current.IsName("if"))
        {
            return value;
        }
        int line = Next().Line;
        var condition = ParseOr();
        Expression? otherwise = null;
        if (Current.IsName("else"))
        {
            Next();
            otherwise = ParseExpression();
        }
        return new ConditionalExpression(condition, value, otherwise, line);
    }

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            int line = Next().Line;
            left = new BinaryExpression("or", left, ParseAnd(), line);
        }
        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            int line = Next().Line;
            left = new BinaryExpression("and", left, ParseNot(), line);
        }
        return left;
    }

    private Expression ParseNot()
    {
        if (Current.IsName("not"))
        {
            int line = Next().Line;
            return new UnaryExpression("not", ParseNot(), line);
        }
        return ParseCompare();
    }

    private Expression ParseCompare()
    {
        int line = Current.Line;
        var first = ParseAdditive();
        var rest = new List<(string, Expression)>();
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.Operator && token.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                Next();
                rest.Add((token.Value, ParseAdditive()));
            }
            else if (token.IsName("in"))
            {
                Next();
                rest.Add(("in", ParseAdditive()));
            }
            else if (token.IsName("not") && Peek(1).IsName("in"))
            {
                Next();
                Next();
                rest.Add(("not in", ParseAdditive()));
            }
            else
            {
                break;
            }
        }
        return rest.Count == 0 ? first : new CompareExpression(first, rest, line);
    }

    private Expression ParseAdditive()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next();
            left = new BinaryExpression(op.Value, left, ParseConcat(), op.Line);
        }
        return left;
    }

    private Expression ParseConcat()
    {
        var left = ParseMultiplicative();
        while (Current.IsOperator("~"))
        {
            var op = Next();
            left = new BinaryExpression("~", left, ParseMultiplicative(), op.Line);
        }
        return left;
    }

    private Expression ParseMultiplicative()
    {
        var left = ParsePower();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpression(op.Value, left, ParsePower(), op.Line);
        }
        return left;
    }

    private Expression ParsePower()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpression("**", left, ParseUnary(withFilter: true), op.Line);
        }
        return left;
    }

    private Expression ParseUnary(bool withFilter)
    {
        Expression node;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Next();
            node = new UnaryExpression(op.Value, ParseUnary(withFilter: false), op.Line);
        }
        else
        {
            node = ParsePostfix(ParsePrimary());
        }
        return withFilter ? ParseFilterAndTest(node) : node;
    }

    private Expression ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new ConstantExpression(true, token.Line),
                    "false" or "False" => new ConstantExpression(false, token.Line),
                    "none" or "None" => new ConstantExpression(null, token.Line),
                    _ => new NameExpression(token.Value, token.Line),
                };
            case TokenKind.String:
                string text = token.Value;
                while (Current.Kind == TokenKind.String)
                {
                    text += Next().Value; // adjacent literals concatenate, as in Python
                }
                return new ConstantExpression(text, token.Line);
            case TokenKind.Integer:
                return new ConstantExpression(long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long integer)
                    ? (object)integer
                    : double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Float:
                return new ConstantExpression(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Operator when token.Value == "(":
                var inner = ParseTuple(allowEmpty: true);
                ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                var items = new List<Expression>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0)
                    {
                        ExpectOperator(",");
                        if (Current.IsOperator("]"))
                        {
                            break;
                        }
                    }
                    items.Add(ParseExpression());
                }
                Next();
                return new ListExpression(items, token.Line);
            case TokenKind.Operator when token.Value == "{":
                var pairs = new List<(Expression, Expression)>();
                while (!Current.IsOperator("}"))
                {
                    if (pairs.Count > 0)
                    {
                        ExpectOperator(",");
                        if (Current.IsOperator("}"))
                        {
                            break;
                        }
                    }
                    var key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                }
                Next();
                return new DictExpression(pairs, token.Line);
            default:
                throw Error($"unexpected {token}", token);
        }
    }

    private Expression ParsePostfix(Expression node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                Next();
                var attribute = Next();
                if (attribute.Kind == TokenKind.Name)
                {
                    node = new AttributeExpression(node, attribute.Value, token.Line);
                }
                else if (attribute.Kind == TokenKind.Integer)
                {
                    node = new ItemExpression(node, new ConstantExpression(long.Parse(attribute.Value, CultureInfo.InvariantCulture), token.Line), token.Line);
                }
                else
                {
                    throw Error($"expected an attribute name after '.', found {attribute}", attribute);
                }
            }
            else if (token.IsOperator("["))
            {
                Next();
                node = new ItemExpression(node, ParseSubscript(), token.Line);
                ExpectOperator("]");
            }
            else if (token.IsOperator("("))
            {
                node = ParseCall(node);
            }
            else
            {
                return node;
            }
        }
    }

    private Expression ParseSubscript()
    {
        int line = Current.Line;
        Expression? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (!Current.IsOperator(":"))
            {
                return start;
            }
        }
        Next();
        Expression? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        Expression? step = null;
        if (Current.IsOperator(":"))
        {
            Next();
            step = Current.IsOperator("]") ? null : ParseExpression();
        }
        return new SliceExpression(start, stop, step, line);
    }

    private CallExpression ParseCall(Expression callee)
    {
        int line = ExpectOperator("(").Line;
        var (arguments, keywords) = ParseArguments();
        return new CallExpression(callee, arguments, keywords, line);
    }

    private (List<Expression>, List<(string, Expression)>) ParseArguments()
    {
        var arguments = new List<Expression>();
        var keywords = new List<(string, Expression)>();
        while (!Current.IsOperator(")"))
        {
            if (arguments.Count + keywords.Count > 0)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }
            if (Current.IsOperator("*") || Current.IsOperator("**"))
            {
                throw Error("'*args' and '**kwargs' in calls are not supported in chat templates", Current);
            }
            if (Current.Kind == TokenKind.Name && Peek(1).IsOperator("="))
            {
                string name = Next().Value;
                Next();
                keywords.Add((name, ParseExpression()));
            }
            else
            {
                if (keywords.Count > 0)
                {
                    throw Error("a positional argument follows a keyword argument", Current);
                }
                arguments.Add(ParseExpression());
            }
        }
        Next();
        return (arguments, keywords);
    }

    private Expression ParseFilterAndTest(Expression node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("|"))
            {
                Next();
                node = new FilterExpression(node, ParseFilterCall(), token.Line);
            }
            else if (token.IsName("is"))
            {
                Next();
                node = ParseTest(node, token);
            }
            else if (token.IsOperator("("))
            {
                node = ParseCall(node);
            }
            else
            {
                return node;
            }
        }
    }

    private FilterCall ParseFilterCall()
    {
        var nameToken = ExpectKind(TokenKind.Name);
        string name = nameToken.Value;
        while (Current.IsOperator("."))
        {
            Next();
            name += "." + ExpectKind(TokenKind.Name).Value;
        }
        if (!TemplateFilters.IsKnown(name))
        {
            throw Error($"filter '{name}' is not supported", nameToken);
        }
        if (!Current.IsOperator("("))
        {
            return new FilterCall(name, [], [], nameToken.Line);
        }
        Next();
        var (arguments, keywords) = ParseArguments();
        return new FilterCall(name, arguments, keywords, nameToken.Line);
    }

    private TestExpression ParseTest(Expression node, TemplateToken isToken)
    {
        bool negated = false;
        if (Current.IsName("not"))
        {
            Next();
            negated = true;
        }
        var nameToken = Next();
        if (nameToken.Kind != TokenKind.Name)
        {
            throw Error($"expected a test name after 'is', found {nameToken}", nameToken);
        }
        if (!TemplateTests.IsKnown(nameToken.Value))
        {
            throw Error($"test '{nameToken.Value}' is not supported", nameToken);
        }
        var arguments = new List<Expression>();
        if (Current.IsOperator("("))
        {
            Next();
            var (positional, keywords) = ParseArguments();
            if (keywords.Count > 0)
            {
                throw Error("keyword arguments to tests are not supported", nameToken);
            }
            arguments.AddRange(positional);
        }
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || Current.IsOperator("[") || Current.IsOperator("{") || Current.IsOperator("-"))
                 && !(Current.IsName("else") || Current.IsName("or") || Current.IsName("and") || Current.IsName("if")
                      || Current.IsName("in") || Current.IsName("not") || Current.IsName("is")))
        {
            arguments.Add(ParsePostfix(ParsePrimary()));
        }
        return new TestExpression(node, nameToken.Value, arguments, negated, isToken.Line);
    }

    private TemplateToken Expect(TokenKind kind)
    {
        var token = Next();
        if (token.Kind != kind)
        {
            throw Error($"expected {Describe(kind)}, found {token}", token);
        }
        return token;
    }

    private TemplateToken ExpectKind(TokenKind kind) => Expect(kind);

    private TemplateToken ExpectOperator(string op)
    {
        var token = Next();
        if (!token.IsOperator(op))
        {
            throw Error($"expected '{op}', found {token}", token);
        }
        return token;
    }

    private void ExpectName(string name)
    {
        var token = Next();
        if (!token.IsName(name))
        {
            throw Error($"expected '{name}', found {token}", token);
        }
    }

    private static string Describe(TokenKind kind) => kind switch
    {
        TokenKind.BlockEnd => "'%}'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockBegin => "'{%'",
        TokenKind.Name => "a name",
        _ => kind.ToString(),
    };

    private static ChatTemplateException Error(string problem, TemplateToken at) =>
        new($"Chat template syntax error at line {at.Line}, column {at.Column}: {problem}.");
}
