using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using FusedNorm.Generator.Spec;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static FusedNorm.Generator.Diagnostics.DiagnosticDescriptors;

namespace FusedNorm.Generator.Parse;

/// <summary>
/// Expands a block use (<c>[Use&lt;BasicBlock&gt;("layer2.0", 128, 2, true)]</c>) into ordinary chain specs: each chain of the
/// [Block] class, read with the use's parameter values, named by the use's prefix (state_dict "layer2.0.conv1", method
/// Layer2_0_Conv1), its Input and Skip resolved to the expanded chains (Graph.Input: the block's input). Plan and Emit
/// then see a flat graph, so every use gets kernels specialized to its own shapes, and nothing Roslyn leaves Parse.
/// </summary>
internal static class BlockExpander
{
    /// <summary>One use while its block's chains are read: the parameter values and where to report what they break.</summary>
    internal sealed class Use
    {
        private readonly Dictionary<string, object> _values;
        private readonly INamedTypeSymbol _block;
        private readonly Compilation _compilation;
        private readonly string _prefix;
        private readonly LocationInfo? _location;
        private readonly Dictionary<SyntaxTree, SemanticModel> _models = new();

        public Use(INamedTypeSymbol block, string prefix, Dictionary<string, object> values, Compilation compilation, LocationInfo? location)
        {
            _block = block;
            _prefix = prefix;
            _values = values;
            _compilation = compilation;
            _location = location;
        }

        /// <summary>Layers the use appends to the block's last chain (null for the other chains).</summary>
        public int[]? Then { get; set; }

        /// <summary>
        /// A reader of <paramref name="attribute"/> at this use: every argument written with a block parameter is computed
        /// again from its syntax with the use's values (the compiler computed it with the defaults); the rest are the
        /// compiler's. An argument that cannot be computed is FN0042 at the use.
        /// </summary>
        public AttributeReader Read(AttributeData attribute, string chain, List<DiagnosticInfo> diagnostics)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax { ArgumentList: { } list } syntax
                || attribute.AttributeConstructor is not { } constructor)
                return new AttributeReader(attribute);
            SemanticModel model = Model(syntax.SyntaxTree);
            Dictionary<int, object>? ctor = null;
            Dictionary<string, object>? named = null;
            var paramsElements = new List<ExpressionSyntax>();
            int position = 0;
            int paramsIndex = constructor.Parameters.Length > 0 && constructor.Parameters[constructor.Parameters.Length - 1].IsParams
                ? constructor.Parameters.Length - 1 : -1;
            foreach (AttributeArgumentSyntax argument in list.Arguments)
            {
                if (argument.NameEquals is { } nameEquals)
                {
                    string property = nameEquals.Name.Identifier.ValueText;
                    ITypeSymbol? type = PropertyType(attribute.AttributeClass, property);
                    // An int[] property (a conv's KernelSizes = new[] { 1, K }): each element computed at this use.
                    if (type is IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Int32 } array && Mentions(argument.Expression, model)
                        && Elements(argument.Expression) is { } elements)
                    {
                        List<int>? computed = new List<int>();
                        foreach (ExpressionSyntax e in elements)
                            if (Compute(e, array.ElementType, model, chain, diagnostics) is int i) computed.Add(i);
                            else { computed = null; break; }
                        if (computed is not null) (named ??= new Dictionary<string, object>())[property] = computed.ToArray();
                        continue;
                    }
                    if (Mentions(argument.Expression, model) && Compute(argument.Expression, type, model, chain, diagnostics) is { } value)
                        (named ??= new Dictionary<string, object>())[property] = value;
                    continue;
                }
                int index = argument.NameColon is { } nameColon
                    ? constructor.Parameters.IndexOf(constructor.Parameters.FirstOrDefault(p => p.Name == nameColon.Name.Identifier.ValueText)!)
                    : position++;
                if (index < 0) continue;
                if (index == paramsIndex && argument.NameColon is null) { paramsElements.Add(argument.Expression); continue; }
                if (index < constructor.Parameters.Length && Mentions(argument.Expression, model)
                    && Compute(argument.Expression, constructor.Parameters[index].Type, model, chain, diagnostics) is { } v)
                    (ctor ??= new Dictionary<int, object>())[index] = v;
            }
            // A params int[] (LayerNorm's normalized_shape) given element by element: computed whole if any element uses a parameter.
            if (paramsElements.Count > 0 && paramsElements.Any(e => Mentions(e, model)))
            {
                ITypeSymbol? element = (constructor.Parameters[paramsIndex].Type as IArrayTypeSymbol)?.ElementType;
                var values = new List<int>();
                foreach (ExpressionSyntax e in paramsElements)
                    if (Compute(e, element, model, chain, diagnostics) is int i) values.Add(i);
                    else return new AttributeReader(attribute, ctor, named);
                (ctor ??= new Dictionary<int, object>())[paramsIndex] = values.ToArray();
            }
            return new AttributeReader(attribute, ctor, named);
        }

        /// <summary>The elements of an array written in place (new[] { … }, new int[] { … }, [ … ]), or null for any other expression.</summary>
        private static IEnumerable<ExpressionSyntax>? Elements(ExpressionSyntax expression) => expression switch
        {
            ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions,
            ArrayCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions,
            CollectionExpressionSyntax collection when collection.Elements.All(e => e is ExpressionElementSyntax) =>
                collection.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression),
            _ => null,
        };

        /// <summary>The type of an attribute property, declared on the attribute class or a base (ConvolutionAttribute).</summary>
        private static ITypeSymbol? PropertyType(INamedTypeSymbol? type, string property)
        {
            for (; type is not null; type = type.BaseType)
                if (type.GetMembers(property).OfType<IPropertySymbol>().FirstOrDefault() is { } found) return found.Type;
            return null;
        }

        private SemanticModel Model(SyntaxTree tree)
        {
            if (!_models.TryGetValue(tree, out SemanticModel? model))
                _models[tree] = model = _compilation.GetSemanticModel(tree);
            return model;
        }

        /// <summary>Whether the expression reads one of the block's parameters.</summary>
        private bool Mentions(ExpressionSyntax expression, SemanticModel model) =>
            expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(id => Parameter(id, model) is not null);

        private string? Parameter(ExpressionSyntax expression, SemanticModel model) =>
            expression is IdentifierNameSyntax or MemberAccessExpressionSyntax
            && model.GetSymbolInfo(expression).Symbol is IFieldSymbol field
            && SymbolEqualityComparer.Default.Equals(field.ContainingType, _block) && _values.ContainsKey(field.Name)
                ? field.Name : null;

        /// <summary>The argument's value at this use, converted to the attribute's type, or null after FN0042.</summary>
        private object? Compute(ExpressionSyntax expression, ITypeSymbol? type, SemanticModel model, string chain, List<DiagnosticInfo> diagnostics)
        {
            string? problem;
            object? value;
            try { value = Evaluate(expression, model); problem = null; }
            catch (BlockExpressionException e) { value = null; problem = e.Message; }
            if (problem is null)
            {
                bool fits = type?.SpecialType switch
                {
                    SpecialType.System_Int32 => value is int,
                    SpecialType.System_Boolean => value is bool,
                    SpecialType.System_Double => value is int,
                    SpecialType.System_String => value is string,
                    _ => false,
                };
                if (fits) return value;
                problem = $"is {Describe(value)} here, not a value for a {type?.ToDisplayString() ?? "parameter of this kind"}";
            }
            diagnostics.Add(DiagnosticInfo.Create(BlockExpression, _location, _prefix, _block.Name, expression.ToString(), chain, problem));
            return null;
        }

        private static string Describe(object? value) => value switch { bool b => b ? "true" : "false", null => "null", _ => value.ToString()! };

        /// <summary>Integer and bool arithmetic over literals, constants and the block's parameters (C#'s operators, checked).</summary>
        private object Evaluate(ExpressionSyntax expression, SemanticModel model)
        {
            if (Parameter(expression, model) is { } parameter) return _values[parameter];
            if (!Mentions(expression, model))
            {
                Optional<object?> constant = model.GetConstantValue(expression);
                if (constant.HasValue && constant.Value is int or bool or string) return constant.Value!;
                throw new BlockExpressionException("is not an int, bool or string constant");
            }
            switch (expression)
            {
                case ParenthesizedExpressionSyntax p:
                    return Evaluate(p.Expression, model);
                case PrefixUnaryExpressionSyntax u:
                {
                    object operand = Evaluate(u.Operand, model);
                    return (u.Kind(), operand) switch
                    {
                        (SyntaxKind.UnaryMinusExpression, int i) => checked(-i),
                        (SyntaxKind.UnaryPlusExpression, int i) => i,
                        (SyntaxKind.LogicalNotExpression, bool b) => !b,
                        _ => throw new BlockExpressionException($"applies '{u.OperatorToken.Text}' to {Describe(operand)}"),
                    };
                }
                case ConditionalExpressionSyntax c:
                    return Evaluate(c.Condition, model) is bool condition
                        ? Evaluate(condition ? c.WhenTrue : c.WhenFalse, model)
                        : throw new BlockExpressionException($"has a condition '{c.Condition}' that is not a bool");
                case BinaryExpressionSyntax b:
                {
                    object left = Evaluate(b.Left, model), right = Evaluate(b.Right, model);
                    try
                    {
                        return (b.Kind(), left, right) switch
                        {
                            (SyntaxKind.AddExpression, int l, int r) => checked(l + r),
                            (SyntaxKind.AddExpression, string l, int or string) => l + Describe(right),
                            (SyntaxKind.AddExpression, int, string r) => Describe(left) + r,
                            (SyntaxKind.SubtractExpression, int l, int r) => checked(l - r),
                            (SyntaxKind.MultiplyExpression, int l, int r) => checked(l * r),
                            (SyntaxKind.DivideExpression, int l, int r) => r == 0 ? throw new BlockExpressionException("divides by zero") : l / r,
                            (SyntaxKind.ModuloExpression, int l, int r) => r == 0 ? throw new BlockExpressionException("divides by zero") : l % r,
                            (SyntaxKind.EqualsExpression, _, _) => Equals(left, right),
                            (SyntaxKind.NotEqualsExpression, _, _) => !Equals(left, right),
                            (SyntaxKind.LessThanExpression, int l, int r) => l < r,
                            (SyntaxKind.LessThanOrEqualExpression, int l, int r) => l <= r,
                            (SyntaxKind.GreaterThanExpression, int l, int r) => l > r,
                            (SyntaxKind.GreaterThanOrEqualExpression, int l, int r) => l >= r,
                            (SyntaxKind.LogicalAndExpression, bool l, bool r) => l && r,
                            (SyntaxKind.LogicalOrExpression, bool l, bool r) => l || r,
                            _ => throw new BlockExpressionException($"applies '{b.OperatorToken.Text}' to {Describe(left)} and {Describe(right)}, which FusedNorm does not compute"),
                        };
                    }
                    catch (System.OverflowException) { throw new BlockExpressionException("overflows int"); }
                }
                default:
                    throw new BlockExpressionException("uses a block parameter in an expression FusedNorm does not compute: write it with the parameters, literals and + - * / % == != < > && || ! ?: (+ also joins strings)");
            }
        }

        /// <summary>
        /// A block constant computed from other constants (<c>const int Hidden = In * ExpandRatio;</c>), at this use; null
        /// after FN0042, or when it reads a constant that has no value at this use yet (the caller retries in dependency order).
        /// </summary>
        public object? Derive(IFieldSymbol field, ExpressionSyntax initializer, List<DiagnosticInfo> diagnostics)
        {
            SemanticModel model = Model(initializer.SyntaxTree);
            if (ReadsUnknown(initializer, model)) return null;
            object? value = Compute(initializer, field.Type, model, field.Name, diagnostics);
            if (value is not null) _values[field.Name] = value;
            return value;
        }

        /// <summary>Whether the expression reads an int or bool constant of the block that has no value at this use yet.</summary>
        private bool ReadsUnknown(ExpressionSyntax expression, SemanticModel model) =>
            BlockConstantsRead(expression, _block, model).Any(field => !_values.ContainsKey(field.Name));
    }

    private sealed class BlockExpressionException : System.Exception
    {
        public BlockExpressionException(string message) : base(message) { }
    }

    /// <summary>Appends the chains of one use to <paramref name="chains"/> (after the model's chains declared before it).</summary>
    public static void Expand(AttributeData use, List<ChainSpec> chains, List<DiagnosticInfo> diagnostics, Compilation compilation, CancellationToken cancellationToken)
    {
        LocationInfo? at = LocationInfo.From(use.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation());
        if (use.AttributeClass?.TypeArguments.FirstOrDefault() is not INamedTypeSymbol block) return; // C# reports the error
        string prefix = use.ConstructorArguments.Length > 0 ? use.ConstructorArguments[0].Value as string ?? "" : "";
        int errors = diagnostics.Count;

        if (!ModelParser.HasAttribute(block, AttributeNames.Block))
        {
            diagnostics.Add(DiagnosticInfo.Create(UnknownBlock, at, block.Name, prefix));
            return;
        }
        if (prefix.Length == 0 || prefix.StartsWith(".", System.StringComparison.Ordinal) || prefix.EndsWith(".", System.StringComparison.Ordinal)
            || prefix.Any(char.IsWhiteSpace))
            diagnostics.Add(DiagnosticInfo.Create(BadBlockArgument, at, block.Name, prefix,
                "the prefix must be the block's state_dict path, such as \"layer2.0\": not empty, no spaces, no leading or trailing '.'"));

        // The block's parameters: its int and bool constants in declaration order; their values are the defaults. A
        // constant whose initializer reads another constant of the block is derived: computed again at each use below
        // (the compiler's value holds only for the defaults), and not a parameter.
        var constants = block.GetMembers().OfType<IFieldSymbol>()
            .Where(f => f.IsConst && f.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Boolean)
            .OrderBy(f => f.Locations.FirstOrDefault()?.SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(f => f.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0)
            .ToList();
        var derived = new List<(IFieldSymbol Field, ExpressionSyntax Initializer)>();
        foreach (IFieldSymbol constant in constants)
            if (Initializer(constant, cancellationToken) is { } initializer && ReadsBlockConstant(initializer, block, compilation))
                derived.Add((constant, initializer));
        var parameters = constants.Where(c => !derived.Any(d => SymbolEqualityComparer.Default.Equals(d.Field, c))).ToList();
        var values = parameters.ToDictionary(f => f.Name, f => f.ConstantValue!);
        TypedConstant arguments = use.ConstructorArguments.Length > 1 ? use.ConstructorArguments[1] : default;
        var given = arguments.Kind == TypedConstantKind.Array && !arguments.IsNull ? arguments.Values : System.Collections.Immutable.ImmutableArray<TypedConstant>.Empty;
        string Signature() => parameters.Count == 0 ? "none" : string.Join(", ", parameters.Select(p => $"{(p.Type.SpecialType == SpecialType.System_Int32 ? "int" : "bool")} {p.Name} = {Literal(p.ConstantValue)}"));
        if (given.Length > parameters.Count)
            diagnostics.Add(DiagnosticInfo.Create(BadBlockArgument, at, block.Name, prefix,
                $"it gives {given.Length} arguments, but the block has {parameters.Count} parameter(s): {Signature()}"));
        for (int i = 0; i < given.Length && i < parameters.Count; i++)
        {
            object? value = given[i].Value;
            bool isInt = parameters[i].Type.SpecialType == SpecialType.System_Int32;
            if (isInt ? value is int : value is bool) values[parameters[i].Name] = value!;
            else
                diagnostics.Add(DiagnosticInfo.Create(BadBlockArgument, at, block.Name, prefix,
                    $"argument {i + 1} is {(value is null ? "null" : Literal(value))}, but parameter '{parameters[i].Name}' is {(isInt ? "an int" : "a bool")} (the parameters: {Signature()})"));
        }

        // Derived constants at this use, each once the constants it reads have values (C# allows any order).
        if (derived.Count > 0)
        {
            var deriving = new Use(block, prefix, values, compilation, at);
            var pending = new List<(IFieldSymbol Field, ExpressionSyntax Initializer)>(derived);
            bool progress = true;
            while (pending.Count > 0 && progress) // no progress: a cycle, which C# reports (CS0110)
            {
                progress = false;
                for (int i = 0; i < pending.Count; i++)
                {
                    int before = diagnostics.Count;
                    if (deriving.Derive(pending[i].Field, pending[i].Initializer, diagnostics) is null && diagnostics.Count == before) continue;
                    pending.RemoveAt(i--); // computed, or FN0042 reported
                    progress = true;
                }
            }
        }

        List<IMethodSymbol> blockChains = ModelParser.ChainMethodsInSourceOrder(block).ToList();
        if (blockChains.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(EmptyBlock, LocationInfo.From(block.Locations.FirstOrDefault()), block.Name, prefix));

        // A [Use] inside a block would be dropped without a word: nested blocks are not expanded (yet).
        foreach (IMethodSymbol member in block.GetMembers().OfType<IMethodSymbol>())
            foreach (AttributeData nested in member.GetAttributes().Where(a => AttributeNames.Of(a) == AttributeNames.Use))
                diagnostics.Add(DiagnosticInfo.Create(NestedBlockUse, LocationInfo.From(nested.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()),
                    block.Name, nested.AttributeClass?.TypeArguments.FirstOrDefault()?.Name ?? "?",
                    nested.ConstructorArguments.Length > 0 ? nested.ConstructorArguments[0].Value as string ?? "" : ""));

        // Which chains this use has: a chain with When runs only when its bool constant is true at the use, one with
        // Unless only when it is false. The last chain present is the block's output.
        var present = new List<bool>();
        for (int i = 0; i < blockChains.Count; i++)
        {
            IMethodSymbol method = blockChains[i];
            AttributeData fuseAttribute = method.GetAttributes().First(a => AttributeNames.Of(a) == AttributeNames.Fuse);
            LocationInfo? chainAt = LocationInfo.From(method.Locations.FirstOrDefault());
            bool runs = true;
            foreach ((string property, bool runsWhen) in new[] { ("When", true), ("Unless", false) })
            {
                if (fuseAttribute.NamedArguments.FirstOrDefault(n => n.Key == property).Value.Value is not string flagName) continue;
                IFieldSymbol? flag = constants.FirstOrDefault(p => p.Name == flagName);
                if (flag is null || flag.Type.SpecialType != SpecialType.System_Boolean)
                    diagnostics.Add(DiagnosticInfo.Create(BadWhen, chainAt, method.Name, $"{property} = \"{flagName}\"",
                        flag is null ? $"block '{block.Name}' has no constant of that name: declare 'const bool {flagName} = false;' in it" : $"'{flagName}' is an int: {property} takes a const bool of the block"));
                else
                    runs &= values.TryGetValue(flagName, out object? value) && value is bool b && b == runsWhen;
            }
            present.Add(runs);
        }
        if (blockChains.Count > 0 && !present.Contains(true))
            diagnostics.Add(DiagnosticInfo.Create(BadBlockArgument, at, block.Name, prefix,
                "at this use every chain of the block is left out by its When or Unless, so the use computes nothing: give the arguments that keep at least one chain"));
        if (diagnostics.Skip(errors).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)) return;
        int last = present.LastIndexOf(true);

        // Names inside the block → the tensors they are at this use. Graph.Input is the block's input: the output of the
        // chain before the use (or the model input). A chain this use leaves out passes its input on, as PyTorch's
        // `identity = x` does when downsample is None.
        string blockInput = chains.Count == 0 ? GraphNames.ModelInput : chains[chains.Count - 1].GraphName;
        var tensorOf = new Dictionary<string, string>(System.StringComparer.Ordinal);
        string? previous = null;
        string Source(string? name) =>
            name is null ? previous ?? blockInput
            : name == GraphNames.ModelInput ? blockInput
            : tensorOf.TryGetValue(name, out string? expanded) ? expanded : name; // unknown or later: Plan reports FN0016/FN0017 with it
        string Identifier = MethodPrefix(prefix);

        for (int i = 0; i < blockChains.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IMethodSymbol method = blockChains[i];
            AttributeData fuse = method.GetAttributes().First(a => AttributeNames.Of(a) == AttributeNames.Fuse);
            var fuseReader = new AttributeReader(fuse);
            if (!present[i])
            {
                tensorOf[method.Name] = Source(fuseReader.String("Input", null));
                continue;
            }
            var context = new Use(block, prefix, values, compilation, at);
            if (i == last && use.NamedArguments.FirstOrDefault(n => n.Key == "Then").Value is { Kind: TypedConstantKind.Array, IsNull: false } then)
                context.Then = then.Values.Select(v => v.Value is int l ? l : 0).ToArray();
            List<ChainSpec>? parsed = ModelParser.ParseChain(method, diagnostics, cancellationToken, context);
            if (parsed is null) continue;

            string graphName = Identifier + "_" + method.Name;
            string description = $"{prefix}: {block.Name}.{method.Name}";
            foreach (ChainSpec part in parsed)
            {
                chains.Add(part with
                {
                    MethodName = part.Split is { } split ? graphName + "Part" + split.Part : graphName,
                    MethodModifiers = part.Split is null ? "public" : part.MethodModifiers,
                    Split = part.Split is null ? null : part.Split with { Method = graphName, Modifiers = "public" },
                    Conv = part.Conv is null ? null : part.Conv with { Name = Prefixed(prefix, part.Conv.Name) },
                    Linear = part.Linear is null ? null : part.Linear with { Name = Prefixed(prefix, part.Linear.Name) },
                    Norm = part.Norm is null ? null : part.Norm with { Name = Prefixed(prefix, part.Norm.Name) },
                    PreNorm = part.PreNorm is null ? null : part.PreNorm with { Name = Prefixed(prefix, part.PreNorm.Name) },
                    Input = part.Split is { Part: > 1 } ? null : Source(part.Input),
                    Skip = part.Skip is null ? null : Source(part.Skip),
                    Location = at,
                    Block = description,
                });
            }
            tensorOf[method.Name] = graphName;
            previous = graphName;
        }
    }

    /// <summary>The initializer of a block constant, as written.</summary>
    private static ExpressionSyntax? Initializer(IFieldSymbol constant, CancellationToken cancellationToken) =>
        constant.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value }
            ? value : null;

    /// <summary>Whether an initializer reads another int or bool constant of the block (then the constant is derived, not a parameter).</summary>
    private static bool ReadsBlockConstant(ExpressionSyntax initializer, INamedTypeSymbol block, Compilation compilation) =>
        BlockConstantsRead(initializer, block, compilation.GetSemanticModel(initializer.SyntaxTree)).Any();

    /// <summary>The block's int and bool constants an expression reads (its parameters and derived constants).</summary>
    private static IEnumerable<IFieldSymbol> BlockConstantsRead(ExpressionSyntax expression, INamedTypeSymbol block, SemanticModel model) =>
        expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
            .Select(id => model.GetSymbolInfo(id).Symbol).OfType<IFieldSymbol>()
            .Where(field => field.IsConst && SymbolEqualityComparer.Default.Equals(field.ContainingType, block)
                && field.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Boolean);

    private static string Prefixed(string prefix, string name) => name.Length == 0 ? name : prefix + "." + name;

    /// <summary>"layer2.0" → "Layer2_0": the prefix as the start of a C# identifier (segments capitalized, joined by '_').</summary>
    internal static string MethodPrefix(string prefix)
    {
        var text = new StringBuilder();
        foreach (string segment in prefix.Split('.'))
        {
            if (text.Length > 0) text.Append('_');
            foreach (char c in segment)
                text.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }
        if (text.Length == 0 || char.IsDigit(text[0])) text.Insert(0, '_');
        text[0] = char.ToUpperInvariant(text[0]);
        return text.ToString();
    }

    private static string Literal(object? value) => value switch { bool b => b ? "true" : "false", null => "null", _ => value.ToString()! };
}
