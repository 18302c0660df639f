using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>
/// Executes a parsed template. Scoping follows jinja2: a for loop, macro call or with block opens a
/// child scope (so <c>set</c> inside a loop does not leak out, hence <c>namespace</c>), <c>if</c> does not.
/// </summary>
internal sealed class TemplateRenderer
{
    private const int MaxMacroDepth = 64;
    private const string LineMarker = " (chat template line ";

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    private int _macroDepth;

    public string Render(IReadOnlyList<Statement> body, TemplateScope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Statement> body, TemplateScope scope, StringBuilder output)
    {
        foreach (var statement in body)
        {
            try
            {
                var flow = ExecuteOne(statement, scope, output);
                if (flow != Flow.Normal)
                {
                    return flow;
                }
            }
            catch (ChatTemplateException e) when (!e.RaisedByTemplate && !e.Message.Contains(LineMarker, StringComparison.Ordinal))
            {
                throw new ChatTemplateException($"{e.Message}{LineMarker}{statement.Line})", e);
            }
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(Statement statement, TemplateScope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextStatement text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputStatement print:
                output.Append(PythonValues.Str(Evaluate(print.Value, scope)));
                return Flow.Normal;
            case IfStatement branch:
                foreach (var (condition, body) in branch.Branches)
                {
                    if (PythonValues.IsTruthy(Evaluate(condition, scope)))
                    {
                        return Execute(body, scope, output);
                    }
                }
                return branch.Else is null ? Flow.Normal : Execute(branch.Else, scope, output);
            case ForStatement loop:
                ExecuteFor(loop, scope, output);
                return Flow.Normal;
            case SetStatement set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStatement setBlock:
                var captured = new StringBuilder();
                Execute(setBlock.Body, new TemplateScope(scope), captured);
                Assign(setBlock.Target, ApplyFilters(captured.ToString(), setBlock.Filters, scope), scope);
                return Flow.Normal;
            case MacroStatement macro:
                scope.Set(macro.Name, new MacroValue(macro.Name, macro.Parameters, macro.Body, scope));
                return Flow.Normal;
            case CallBlockStatement callBlock:
                var caller = new MacroValue("caller", callBlock.CallerParameters, callBlock.Body, scope);
                output.Append(PythonValues.Str(EvaluateCall(callBlock.Call, scope, caller)));
                return Flow.Normal;
            case FilterBlockStatement filterBlock:
                var filtered = new StringBuilder();
                Execute(filterBlock.Body, scope, filtered);
                output.Append(PythonValues.Str(ApplyFilters(filtered.ToString(), filterBlock.Filters, scope)));
                return Flow.Normal;
            case WithStatement with:
                var inner = new TemplateScope(scope);
                var values = with.Assignments.Select(a => Evaluate(a.Value, scope)).ToList();
                for (int i = 0; i < values.Count; i++)
                {
                    Assign(with.Assignments[i].Target, values[i], inner);
                }
                Execute(with.Body, inner, output);
                return Flow.Normal;
            case GenerationStatement generation:
                return Execute(generation.Body, scope, output);
            case BreakStatement:
                return Flow.Break;
            case ContinueStatement:
                return Flow.Continue;
            default:
                throw new ChatTemplateException($"unknown statement {statement.GetType().Name}");
        }
    }

    private void ExecuteFor(ForStatement loop, TemplateScope scope, StringBuilder output)
    {
        var iterable = Evaluate(loop.Iterable, scope);
        IReadOnlyList<object?> items = PythonValues.Iterate(iterable);
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                var filterScope = new TemplateScope(scope);
                Assign(loop.Target, item, filterScope);
                if (PythonValues.IsTruthy(Evaluate(loop.Filter, filterScope)))
                {
                    kept.Add(item);
                }
            }
            items = kept;
        }
        if (items.Count == 0)
        {
            if (loop.Else is not null)
            {
                Execute(loop.Else, scope, output);
            }
            return;
        }
        var loopValue = new LoopValue(items);
        for (int i = 0; i < items.Count; i++)
        {
            // jinja2 gives every iteration fresh locals: a set in one iteration is gone in the next.
            var iterationScope = new TemplateScope(scope);
            loopValue.Index0 = i;
            Assign(loop.Target, items[i], iterationScope);
            iterationScope.Set("loop", loopValue);
            if (Execute(loop.Body, iterationScope, output) == Flow.Break)
            {
                break;
            }
        }
    }

    private static void Assign(AssignTarget target, object? value, TemplateScope scope)
    {
        switch (target)
        {
            case NameTarget name:
                scope.Set(name.Name, value);
                break;
            case TupleTarget tuple:
                if (value is UndefinedValue undefined)
                {
                    throw undefined.Error();
                }
                var items = PythonValues.Iterate(value);
                if (items.Count != tuple.Items.Count)
                {
                    throw new ChatTemplateException(items.Count > tuple.Items.Count
                        ? $"too many values to unpack (expected {tuple.Items.Count})"
                        : $"not enough values to unpack (expected {tuple.Items.Count}, got {items.Count})");
                }
                for (int i = 0; i < items.Count; i++)
                {
                    Assign(tuple.Items[i], items[i], scope);
                }
                break;
            case AttributeTarget attribute:
                if (!scope.TryGet(attribute.Name, out var target_) || target_ is not NamespaceValue ns)
                {
                    throw new ChatTemplateException("cannot assign attribute on non-namespace object");
                }
                ns.Attributes[attribute.Attribute] = value;
                break;
        }
    }

    private object? ApplyFilters(object? value, IReadOnlyList<FilterCall> filters, TemplateScope scope)
    {
        foreach (var filter in filters)
        {
            value = ApplyFilter(value, filter, scope);
        }
        return value;
    }

    private object? ApplyFilter(object? value, FilterCall filter, TemplateScope scope)
    {
        var arguments = filter.Arguments.Select(a => Evaluate(a, scope)).ToList();
        var keywords = filter.KeywordArguments.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope), StringComparer.Ordinal);
        return TemplateFilters.Apply(filter.Name, value, arguments, keywords);
    }

    private object? Evaluate(Expression expression, TemplateScope scope)
    {
        switch (expression)
        {
            case ConstantExpression constant:
                return constant.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out var value) ? value : UndefinedValue.Variable(name.Name);
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case TupleExpression tuple:
                return tuple.Items.Select(item => Evaluate(item, scope)).ToArray();
            case DictExpression dict:
                var result = new PythonDict();
                foreach (var (keyExpression, valueExpression) in dict.Items)
                {
                    var key = Evaluate(keyExpression, scope);
                    if (key is null or UndefinedValue or List<object?> or PythonDict)
                    {
                        throw new ChatTemplateException($"unhashable dict key of type '{PythonValues.TypeName(key)}'");
                    }
                    result[key] = Evaluate(valueExpression, scope);
                }
                return result;
            case AttributeExpression attribute:
                return TemplateOperators.GetAttribute(Evaluate(attribute.Target, scope), attribute.Attribute);
            case ItemExpression item when item.Key is SliceExpression slice:
                return TemplateOperators.Slice(Evaluate(item.Target, scope),
                    slice.Start is null ? null : Evaluate(slice.Start, scope),
                    slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                    slice.Step is null ? null : Evaluate(slice.Step, scope));
            case ItemExpression item:
                return TemplateOperators.GetItem(Evaluate(item.Target, scope), Evaluate(item.Key, scope));
            case CallExpression call:
                return EvaluateCall(call, scope, caller: null);
            case FilterExpression filter:
                return ApplyFilter(Evaluate(filter.Value, scope), filter.Filter, scope);
            case TestExpression test:
                var subject = Evaluate(test.Value, scope);
                var testArguments = test.Arguments.Select(a => Evaluate(a, scope)).ToList();
                return TemplateTests.Apply(test.Name, subject, testArguments) != test.Negated;
            case UnaryExpression unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !PythonValues.IsTruthy(operand),
                    "-" => TemplateOperators.Negate(operand),
                    _ => PythonValues.IsNumber(operand) ? (operand is bool b ? (b ? 1L : 0L) : operand)
                        : operand is UndefinedValue u ? throw u.Error()
                        : throw new ChatTemplateException($"bad operand type for unary +: '{PythonValues.TypeName(operand)}'"),
                };
            case BinaryExpression binary:
                return EvaluateBinary(binary, scope);
            case CompareExpression compare:
                var left = Evaluate(compare.First, scope);
                foreach (var (op, operandExpression) in compare.Rest)
                {
                    var right = Evaluate(operandExpression, scope);
                    if (!Compare(op, left, right))
                    {
                        return false;
                    }
                    left = right;
                }
                return true;
            case ConditionalExpression conditional:
                if (PythonValues.IsTruthy(Evaluate(conditional.Condition, scope)))
                {
                    return Evaluate(conditional.WhenTrue, scope);
                }
                return conditional.WhenFalse is null
                    ? new UndefinedValue("the inline if-expression evaluated to false and no else section was defined.")
                    : Evaluate(conditional.WhenFalse, scope);
            case SliceExpression:
                throw new ChatTemplateException("a slice is only valid inside []");
            default:
                throw new ChatTemplateException($"unknown expression {expression.GetType().Name}");
        }
    }

    private object? EvaluateBinary(BinaryExpression binary, TemplateScope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return PythonValues.IsTruthy(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return PythonValues.IsTruthy(left) ? left : Evaluate(binary.Right, scope);
            case "~":
                return PythonValues.Str(left) + PythonValues.Str(Evaluate(binary.Right, scope));
            default:
                return TemplateOperators.Arithmetic(binary.Operator, left, Evaluate(binary.Right, scope));
        }
    }

    private static bool Compare(string op, object? left, object? right) => op switch
    {
        "==" => PythonValues.AreEqual(left, right),
        "!=" => !PythonValues.AreEqual(left, right),
        "<" => PythonValues.Compare(left, right, op) < 0,
        "<=" => PythonValues.Compare(left, right, op) <= 0,
        ">" => PythonValues.Compare(left, right, op) > 0,
        ">=" => PythonValues.Compare(left, right, op) >= 0,
        "in" => TemplateOperators.Contains(right, left),
        "not in" => !TemplateOperators.Contains(right, left),
        _ => throw new ChatTemplateException($"unknown comparison '{op}'"),
    };

    private object? EvaluateCall(CallExpression call, TemplateScope scope, MacroValue? caller)
    {
        var callee = Evaluate(call.Callee, scope);
        var arguments = call.Arguments.Select(a => Evaluate(a, scope)).ToList();
        var keywords = call.KeywordArguments.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope), StringComparer.Ordinal);
        if (caller is not null)
        {
            keywords["caller"] = caller;
        }
        return callee switch
        {
            BuiltinFunction function => function.Invoke(arguments, keywords),
            BoundMethod method => PythonMethods.Call(method, arguments, keywords),
            MacroValue macro => CallMacro(macro, arguments, keywords),
            UndefinedValue undefined => throw undefined.Error(),
            _ => throw new ChatTemplateException($"'{PythonValues.TypeName(callee)}' object is not callable"),
        };
    }

    private string CallMacro(MacroValue macro, List<object?> arguments, Dictionary<string, object?> keywords)
    {
        if (_macroDepth >= MaxMacroDepth)
        {
            throw new ChatTemplateException($"macro '{macro.Name}' recursed more than {MaxMacroDepth} levels");
        }
        var scope = new TemplateScope(macro.Closure);
        var remaining = new Dictionary<string, object?>(keywords, StringComparer.Ordinal);
        for (int i = 0; i < macro.Parameters.Count; i++)
        {
            var parameter = macro.Parameters[i];
            object? value;
            if (i < arguments.Count)
            {
                if (remaining.ContainsKey(parameter.Name))
                {
                    throw new ChatTemplateException($"macro '{macro.Name}' got multiple values for argument '{parameter.Name}'");
                }
                value = arguments[i];
            }
            else if (remaining.Remove(parameter.Name, out var named))
            {
                value = named;
            }
            else if (parameter.Default is not null)
            {
                value = Evaluate(parameter.Default, scope);
            }
            else
            {
                value = new UndefinedValue($"parameter '{parameter.Name}' was not provided");
            }
            scope.Set(parameter.Name, value);
        }
        scope.Set("varargs", arguments.Skip(macro.Parameters.Count).ToList());
        if (remaining.Remove("caller", out var callerValue))
        {
            scope.Set("caller", callerValue);
        }
        var kwargs = new PythonDict();
        foreach (var (key, value) in remaining)
        {
            kwargs[key] = value;
        }
        scope.Set("kwargs", kwargs);
        var output = new StringBuilder();
        _macroDepth++;
        try
        {
            Execute(macro.Body, scope, output);
        }
        finally
        {
            _macroDepth--;
        }
        return output.ToString();
    }
}
