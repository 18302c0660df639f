namespace QuantServe.Engine.Chat;

// The syntax tree of a parsed template. Statements render output; expressions produce values.
// Line numbers point error messages at the template source.

internal abstract record Statement(int Line);

internal sealed record TextStatement(string Text, int Line) : Statement(Line);

internal sealed record OutputStatement(Expression Value, int Line) : Statement(Line);

internal sealed record IfStatement(IReadOnlyList<(Expression Condition, IReadOnlyList<Statement> Body)> Branches, IReadOnlyList<Statement>? Else, int Line) : Statement(Line);

internal sealed record ForStatement(AssignTarget Target, Expression Iterable, Expression? Filter, IReadOnlyList<Statement> Body, IReadOnlyList<Statement>? Else, int Line) : Statement(Line);

internal sealed record SetStatement(AssignTarget Target, Expression Value, int Line) : Statement(Line);

internal sealed record SetBlockStatement(AssignTarget Target, IReadOnlyList<FilterCall> Filters, IReadOnlyList<Statement> Body, int Line) : Statement(Line);

internal sealed record MacroStatement(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Statement> Body, int Line) : Statement(Line);

internal sealed record CallBlockStatement(CallExpression Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<Statement> Body, int Line) : Statement(Line);

internal sealed record FilterBlockStatement(IReadOnlyList<FilterCall> Filters, IReadOnlyList<Statement> Body, int Line) : Statement(Line);

internal sealed record WithStatement(IReadOnlyList<(AssignTarget Target, Expression Value)> Assignments, IReadOnlyList<Statement> Body, int Line) : Statement(Line);

/// <summary>transformers' <c>{% generation %}</c> marks assistant text for masks; it renders its body as is.</summary>
internal sealed record GenerationStatement(IReadOnlyList<Statement> Body, int Line) : Statement(Line);

internal sealed record BreakStatement(int Line) : Statement(Line);

internal sealed record ContinueStatement(int Line) : Statement(Line);

internal sealed record MacroParameter(string Name, Expression? Default);

internal abstract record AssignTarget;

internal sealed record NameTarget(string Name) : AssignTarget;

internal sealed record TupleTarget(IReadOnlyList<AssignTarget> Items) : AssignTarget;

internal sealed record AttributeTarget(string Name, string Attribute) : AssignTarget;

internal abstract record Expression(int Line);

internal sealed record ConstantExpression(object? Value, int Line) : Expression(Line);

internal sealed record NameExpression(string Name, int Line) : Expression(Line);

internal sealed record ListExpression(IReadOnlyList<Expression> Items, int Line) : Expression(Line);

internal sealed record TupleExpression(IReadOnlyList<Expression> Items, int Line) : Expression(Line);

internal sealed record DictExpression(IReadOnlyList<(Expression Key, Expression Value)> Items, int Line) : Expression(Line);

internal sealed record AttributeExpression(Expression Target, string Attribute, int Line) : Expression(Line);

internal sealed record ItemExpression(Expression Target, Expression Key, int Line) : Expression(Line);

internal sealed record SliceExpression(Expression? Start, Expression? Stop, Expression? Step, int Line) : Expression(Line);

internal sealed record CallExpression(Expression Callee, IReadOnlyList<Expression> Arguments, IReadOnlyList<(string Name, Expression Value)> KeywordArguments, int Line) : Expression(Line);

internal sealed record FilterCall(string Name, IReadOnlyList<Expression> Arguments, IReadOnlyList<(string Name, Expression Value)> KeywordArguments, int Line);

internal sealed record FilterExpression(Expression Value, FilterCall Filter, int Line) : Expression(Line);

internal sealed record TestExpression(Expression Value, string Name, IReadOnlyList<Expression> Arguments, bool Negated, int Line) : Expression(Line);

internal sealed record UnaryExpression(string Operator, Expression Operand, int Line) : Expression(Line);

internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right, int Line) : Expression(Line);

internal sealed record CompareExpression(Expression First, IReadOnlyList<(string Operator, Expression Operand)> Rest, int Line) : Expression(Line);

internal sealed record ConditionalExpression(Expression Condition, Expression WhenTrue, Expression? WhenFalse, int Line) : Expression(Line);
