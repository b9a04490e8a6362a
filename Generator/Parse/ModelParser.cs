using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using FusedNorm.Generator.Diagnostics;
using FusedNorm.Generator.Spec;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static FusedNorm.Generator.Diagnostics.DiagnosticDescriptors;

namespace FusedNorm.Generator.Parse;

/// <summary>
/// Parse stage: turns a [Model] class symbol into a <see cref="ModelSpec"/> of plain values, and reports misuse
/// that needs no shape arithmetic (partial-ness, signatures, layer order, missing attributes). Nothing Roslyn
/// leaves this class.
/// </summary>
internal static class ModelParser
{
    public static Result<ModelSpec> Parse(INamedTypeSymbol type, TypeDeclarationSyntax syntax, Compilation compilation, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? typeLocation = LocationInfo.From(syntax.Identifier.GetLocation());

        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(ClassNotPartial, typeLocation, type.Name));
            return new Result<ModelSpec>(null, diagnostics.ToEquatableArray());
        }
        if (type.IsGenericType || type.IsStatic || type.TypeKind != TypeKind.Class)
        {
            string why = type.IsGenericType ? "generic models are not supported" : type.IsStatic ? "it is static; chains are instance methods that use the loaded weights" : "it must be a class";
            diagnostics.Add(DiagnosticInfo.Create(UnsupportedType, typeLocation, type.Name, why));
            return new Result<ModelSpec>(null, diagnostics.ToEquatableArray());
        }

        // Containing types must be partial too, or the generated half cannot be nested in them.
        if (TypeDeclaration(type, cancellationToken, out string? badOuter) is not { } typeSpec)
        {
            diagnostics.Add(DiagnosticInfo.Create(UnsupportedType, typeLocation, type.Name,
                $"it is nested in '{badOuter}', which must be a non-generic partial type too"));
            return new Result<ModelSpec>(null, diagnostics.ToEquatableArray());
        }
        bool hasParameterlessCtor = typeSpec.HasParameterlessConstructor;

        AttributeData modelAttribute = type.GetAttributes().First(a => AttributeNames.Of(a) == AttributeNames.Model);
        ImmutableArray<int> inputShape = new AttributeReader(modelAttribute).CtorIntArray(0);

        // The model's own chains and its block uses, in declaration order; a use expands into ordinary chains here, so
        // Plan and Emit see one flat graph (each use's chains with their own shapes and kernels).
        var chains = new List<ChainSpec>();
        foreach (IMethodSymbol method in MembersInSourceOrder(type, m => HasAttribute(m, AttributeNames.Fuse) || HasAttribute(m, AttributeNames.Use)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasAttribute(method, AttributeNames.Fuse))
            {
                List<ChainSpec>? parsed = ParseChain(method, diagnostics, cancellationToken);
                if (parsed is not null) chains.AddRange(parsed);
            }
            foreach (AttributeData use in method.GetAttributes().Where(a => AttributeNames.Of(a) == AttributeNames.Use))
                BlockExpander.Expand(use, chains, diagnostics, compilation, cancellationToken);
        }
        // A mistake inside a block is found once per use: report it once.
        diagnostics = diagnostics.Distinct().ToList();
        // A use's generated method (Layer1_Conv1) may meet a chain the class declares under that name: two chains, one
        // method and one generated file, which the compiler would reject inside generated code.
        // (Two uses with one prefix are FN0009, duplicate state_dict names, already.)
        foreach (var same in chains.Where(c => c.Split is null || c.Split.Part == 1).GroupBy(c => c.GraphName)
                     .Where(g => g.Select(c => c.Block).Distinct().Count() > 1))
        {
            ChainSpec declared = same.FirstOrDefault(c => c.Block is null) ?? same.Last();
            ChainSpec other = same.First(c => c.Block != declared.Block);
            diagnostics.Add(DiagnosticInfo.Create(GeneratedMemberCollision, declared.Location, type.Name, same.Key, "the chain " + other.Block));
        }

        if (chains.Count == 0 && diagnostics.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(ModelWithoutChains, typeLocation, type.Name));

        CheckUniqueNames(type.Name, chains, diagnostics);
        if (chains.Count > 0) CheckGeneratedNames(type, chains, hasParameterlessCtor, diagnostics, cancellationToken);

        ModelSpec? model = chains.Count == 0 || diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)
            ? null
            : new ModelSpec(typeSpec, inputShape.ToEquatableArray(), chains.ToEquatableArray(), typeLocation);
        return new Result<ModelSpec>(model, diagnostics.ToEquatableArray());
    }

    /// <summary>
    /// Where the generated half of the model goes: its namespace and containing types, or null when it cannot be
    /// written (a containing type that is not partial, or is generic).
    /// </summary>
    private static TypeDeclarationSpec? TypeDeclaration(INamedTypeSymbol type, CancellationToken cancellationToken, out string? badOuter)
    {
        badOuter = null;
        var containing = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            bool outerPartial = outer.DeclaringSyntaxReferences.Any(r =>
                r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!outerPartial || outer.IsGenericType) { badOuter = outer.Name; return null; }
            containing.Insert(0, $"partial {Keyword(outer)} {outer.Name}");
        }
        bool hasParameterlessCtor = type.InstanceConstructors.Any(c =>
            c.Parameters.Length == 0 && c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.Private);
        return new TypeDeclarationSpec(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            type.Name,
            Keyword(type),
            containing.ToEquatableArray(),
            hasParameterlessCtor);
    }

    /// <summary>
    /// What to write when the model cannot be generated (see <see cref="StubSpec"/>): null when not even that can be
    /// written (the class is not partial, generic or static, or sits in a type that cannot take a partial half).
    /// </summary>
    public static StubSpec? Stub(INamedTypeSymbol type, TypeDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword) || type.IsStatic || type.TypeKind != TypeKind.Class)
            return null;
        if (TypeDeclaration(type, cancellationToken, out _) is not { } typeSpec) return null;
        if (type.IsGenericType) // a generic model is an error (FN0013), but its partial half can still be written, without constraints
            typeSpec = typeSpec with { ClassName = $"{type.Name}<{string.Join(", ", type.TypeParameters.Select(t => t.Name))}>" };
        var format = SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
            SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);
        var methods = new List<string>();
        foreach (IMethodSymbol method in ChainMethodsInSourceOrder(type))
        {
            // Only a partial declaration still waiting for its body, and not a generic one (its constraints would have to be repeated).
            var declaration = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>()
                .FirstOrDefault(m => m.Modifiers.Any(SyntaxKind.PartialKeyword) && m.Body is null && m.ExpressionBody is null);
            if (declaration is null || method.PartialImplementationPart is not null || method.IsGenericMethod) continue;
            string modifiers = string.Join(" ", declaration.Modifiers.Select(m => m.Text).Where(t => t != "partial"));
            string parameters = string.Join(", ", method.Parameters.Select(p =>
                (p.RefKind switch { RefKind.Ref => "ref ", RefKind.Out => "out ", RefKind.In => "in ", RefKind.RefReadOnlyParameter => "ref readonly ", _ => "" })
                + (p.IsParams ? "params " : "") + p.Type.ToDisplayString(format) + " @" + p.Name));
            methods.Add($"{modifiers}{(modifiers.Length > 0 ? " " : "")}partial {method.ReturnType.ToDisplayString(format)} {method.Name}({parameters})");
        }
        bool Declared(string name) => !type.GetMembers(name).IsEmpty;
        return new StubSpec(typeSpec, methods.ToEquatableArray(), !Declared("Forward"), !Declared("LoadWeights"),
            typeSpec.HasParameterlessConstructor && !Declared("FromSafetensors"));
    }

    private static string Keyword(INamedTypeSymbol type) => type.IsRecord ? "record" : type.TypeKind == TypeKind.Struct ? "struct" : "class";

    internal static bool HasAttribute(ISymbol symbol, string name) => symbol.GetAttributes().Any(a => AttributeNames.Of(a) == name);

    internal static IEnumerable<IMethodSymbol> ChainMethodsInSourceOrder(INamedTypeSymbol type) =>
        MembersInSourceOrder(type, m => HasAttribute(m, AttributeNames.Fuse));

    private static IEnumerable<IMethodSymbol> MembersInSourceOrder(INamedTypeSymbol type, System.Func<IMethodSymbol, bool> include) =>
        type.GetMembers()
            .OfType<IMethodSymbol>()
            .Where(include)
            .OrderBy(m => m.Locations.FirstOrDefault()?.SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0);

    /// <summary>
    /// One [Fuse] method as one chain spec, or one per kernel when its layers run as several. <paramref name="block"/> is
    /// set for a block's chain at one use: its layer attributes are read with that use's parameter values.
    /// </summary>
    internal static List<ChainSpec>? ParseChain(IMethodSymbol method, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken,
        BlockExpander.Use? block = null)
    {
        var methodSyntax = method.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(cancellationToken))
            .OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.Body is null && m.ExpressionBody is null) ??
            method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        LocationInfo? location = LocationInfo.From(methodSyntax?.Identifier.GetLocation() ?? method.Locations.FirstOrDefault());
        string name = method.Name;
        int errorsBefore = diagnostics.Count;

        // The generator writes the body, so the user writes only a partial declaration.
        bool isPartialDeclaration = methodSyntax is not null
            && methodSyntax.Modifiers.Any(SyntaxKind.PartialKeyword)
            && methodSyntax.Body is null && methodSyntax.ExpressionBody is null
            && method.PartialImplementationPart is null;
        if (!isPartialDeclaration)
        {
            diagnostics.Add(DiagnosticInfo.Create(MethodNotPartial, location, name));
            return null;
        }

        AttributeData fuse = method.GetAttributes().First(a => AttributeNames.Of(a) == AttributeNames.Fuse);
        var fuseReader = new AttributeReader(fuse);
        ImmutableArray<int> layerValues = fuseReader.CtorIntArray(0);
        if (block?.Then is { } then) layerValues = layerValues.AddRange(then); // the use's layers after the block's last chain
        foreach (string property in new[] { "When", "Unless" })
            if (block is null && fuseReader.String(property, null) is { } flag)
            {
                diagnostics.Add(DiagnosticInfo.Create(BadWhen, location, name, $"{property} = \"{flag}\"", $"{property} is for the chains of a [Block] class: a model's own chain always runs"));
                return null;
            }
        // A chain with a residual add takes the tensor it adds as a second input: (x, skip, y, batch).
        bool hasAdd = layerValues.Contains((int)LayerKind.Add);
        if (hasAdd)
        {
            string? skipProblem = SkipSignatureProblem(method);
            if (skipProblem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(SkipParameter, location, name, skipProblem).WithFix((FixProperties.HasSkip, "true")));
                return null;
            }
        }
        else
        {
            string? signatureProblem = SignatureProblem(method);
            if (signatureProblem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(BadSignature, location, name, signatureProblem).WithFix((FixProperties.HasSkip, "false")));
                return null;
            }
        }
        int yIndex = hasAdd ? 2 : 1, batchIndex = hasAdd ? 3 : 2;
        string? skipParameter = hasAdd ? method.Parameters[1].Name : null;

        // Where the chain's input and its Add's skip come from (resolved and checked by Plan, which sees every chain).
        string? input = fuseReader.String("Input", null);
        string? skip = fuseReader.String("Skip", null);
        if (hasAdd && skip is null)
            diagnostics.Add(DiagnosticInfo.Create(AddSkipMismatch, location, name,
                "it lists Layer.Add but sets no Skip: name the tensor to add, e.g. Skip = nameof(Downsample), or Skip = Graph.Input for the model input"));
        else if (!hasAdd && skip is not null)
            diagnostics.Add(DiagnosticInfo.Create(AddSkipMismatch, location, name,
                $"it sets Skip = \"{skip}\" but lists no Layer.Add: put Add in the [Fuse] list where PyTorch adds, after the norm and before the activation (Conv2d, BatchNorm2d, Add, ReLU)"));
        // Concat = new[] { … }: the chain's input is torch.cat of those sources along the channels (checked by Plan).
        ImmutableArray<string?>? concatValues = fuseReader.StringArray("Concat");
        var concat = EquatableArray<string>.Empty;
        if (concatValues is { } sources)
        {
            if (input is not null)
                diagnostics.Add(DiagnosticInfo.Create(ConcatWithInput, location, name, input));
            else if (sources.Length < 2)
                diagnostics.Add(DiagnosticInfo.Create(ConcatSources, location, name, $"lists {sources.Length} source{(sources.Length == 1 ? "" : "s")}"));
            else if (sources.Any(string.IsNullOrEmpty))
                diagnostics.Add(DiagnosticInfo.Create(ConcatSources, location, name, "lists a null or empty name"));
            else
                concat = sources.Select(source => source!).ToEquatableArray();
        }
        if (hasAdd && fuseReader.Bool("TrainingForward", false))
            diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, "Fuse", name,
                "TrainingForward is not supported yet on a chain with Layer.Add; declare the training forward on a chain without the add"));
        if (diagnostics.Count > errorsBefore) return null;

        // The [Fuse] list: the order of the chain.
        var layers = new List<LayerKind>();
        foreach (int value in layerValues)
        {
            if (value < (int)LayerKind.Conv2d || value > (int)LayerKind.ZeroPad2d)
                diagnostics.Add(DiagnosticInfo.Create(UnknownLayer, location, name, value));
            else
                layers.Add((LayerKind)value);
        }
        if (diagnostics.Count > errorsBefore) return null;

        // Dropout and Identity compute nothing in eval mode, and Flatten moves no data: drop them, remembering a Flatten
        // that ends the list (the chain's output shape becomes flat).
        if (LayerOrder.StripNoOps(layers, out bool flattenOutput) is { } noOpProblem)
        {
            diagnostics.Add(DiagnosticInfo.Create(IllegalLayerOrder, location, name, noOpProblem));
            return null;
        }

        // A BatchNorm and/or activation before the first convolution (pre-activation, BN → ReLU → Conv) is applied as the
        // conv reads its input; a norm that computes statistics per call cannot be.
        List<LayerKind> preAct = LayerOrder.TakePreActivation(layers);
        if (preAct.Count > 0)
        {
            if (layers.Count == 0) // only a norm and/or activation: a standalone chain
                return ParseStandalone(method, name, preAct, fuseReader, location, diagnostics, cancellationToken, block, input, concat, flattenOutput, methodSyntax!);
            LayerKind preCompute = layers.FirstOrDefault(l => l.Role() == LayerRole.Compute);
            LayerKind statistics = preAct.FirstOrDefault(LayerOrder.IsStatisticsNorm);
            if (statistics != LayerKind.Unknown && preCompute is not (LayerKind.Unknown or LayerKind.Linear))
            {
                diagnostics.Add(DiagnosticInfo.Create(StatisticsNormBeforeConv, location, name, statistics, preCompute, StatisticsText(statistics)));
                return null;
            }
            if (LayerOrder.PreActivationProblem(preAct, layers) is { } preProblem)
            {
                diagnostics.Add(DiagnosticInfo.Create(PreActivationOutOfPlace, location, name, preProblem));
                return null;
            }
            if (fuseReader.Bool("TrainingForward", false))
            {
                diagnostics.Add(DiagnosticInfo.Create(PreActivationOutOfPlace, location, name,
                    $"it sets TrainingForward and starts with {string.Join(", ", preAct)}; the training forward of a pre-activation (batch statistics of its BatchNorm) is not supported: declare the training forward on a chain without it"));
                return null;
            }
        }

        // Upsample and the padding layers are applied as the Conv2d right after them reads its input.
        if (LayerOrder.PrologueProblem(layers) is { } prologueProblem)
        {
            diagnostics.Add(DiagnosticInfo.Create(PrologueOutOfPlace, location, name, prologueProblem));
            return null;
        }

        // An input pool and a prologue would both make the conv's input copy (one pools it, the other upsamples or pads
        // it); the two are not composed, so a list with both is refused rather than run in some unstated order.
        if (layers.Count >= 2 && layers[0] is LayerKind.MaxPool2d or LayerKind.AvgPool2d && layers[1].Role() == LayerRole.Prologue)
        {
            diagnostics.Add(DiagnosticInfo.Create(PrologueOutOfPlace, location, name,
                $"{layers[0]} comes before {layers[1]}; a pooling layer before a Conv2d (an input pool) and an upsampling or padding layer before it (a prologue) both make the conv's input copy and are not supported together: pool in the previous chain (end it with the {layers[0]}), or start this chain with the pooling layer right before the Conv2d and drop the {layers[1]}"));
            return null;
        }

        // A MaxPool2d or AvgPool2d before a Conv2d or ConvTranspose2d pools the chain's input as the conv reads it.
        LayerKind? inputPool = null;
        if (layers.Count >= 2 && layers[0] is LayerKind.MaxPool2d or LayerKind.AvgPool2d && layers[1] is LayerKind.Conv2d or LayerKind.ConvTranspose2d)
        {
            inputPool = layers[0];
            layers.RemoveAt(0);
        }

        // One kernel runs (Conv | Linear) Norm? Activation? Pool?; a longer list runs as one kernel per compute layer.
        if (LayerOrder.Problem(layers) is { } orderProblem)
        {
            var orderDiagnostic = DiagnosticInfo.Create(IllegalLayerOrder, location, name, orderProblem);
            // A list with a no-op layer keeps its order problem without a fix: where the Dropout belongs is the user's call.
            if (layers.Count == layerValues.Length && LayerOrder.Reordered(layers) is { } reordered)
                orderDiagnostic = orderDiagnostic.WithFix((FixProperties.Layers, string.Join(",", reordered)));
            diagnostics.Add(orderDiagnostic);
            return null;
        }
        List<List<LayerKind>> parts = LayerOrder.Split(layers);
        bool training = new AttributeReader(fuse).Bool("TrainingForward", false);
        if (parts.Count > 1)
        {
            if (training)
            {
                diagnostics.Add(DiagnosticInfo.Create(TrainingForwardOnSplitChain, location, name, parts.Count));
                return null;
            }
            diagnostics.Add(DiagnosticInfo.Create(SplitChain, location, name, parts.Count,
                string.Join(" | ", parts.Select(p => string.Join(", ", p))), parts.Count - 1));
        }

        var assigned = AssignAttributes(method, name, parts, location, diagnostics, cancellationToken, inputPool, preAct);
        if (diagnostics.Skip(errorsBefore).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
            return null;
        var (preNorm, preActivation) = preAct.Count > 0 ? ParsePreActivation(preAct, assigned[parts.Count], layers.First(l => l.Role() == LayerRole.Compute), name, location, diagnostics, block) : (null, null);
        if (diagnostics.Skip(errorsBefore).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
            return null;

        string modifiers = string.Join(" ", methodSyntax!.Modifiers.Select(m => m.Text).Where(t => t != "partial"));
        var specs = new List<ChainSpec>();
        for (int k = 0; k < parts.Count; k++)
        {
            SplitSpec? split = parts.Count == 1 ? null : new SplitSpec(name, modifiers,
                method.Parameters[0].Name, method.Parameters[yIndex].Name, method.Parameters[batchIndex].Name, k + 1, parts.Count, skipParameter);
            ChainSpec? spec = ParsePart(name, parts[k], assigned[k], training, split, modifiers, method, location, diagnostics, block);
            if (spec is null) continue;
            // The method's Input is its first kernel's; its Skip goes to the kernel with the Add.
            bool partAdds = parts[k].Contains(LayerKind.Add);
            spec = spec with
            {
                InputPool = k == 0 && inputPool is { } leading ? ReadPool(leading, assigned[parts.Count], block, name, diagnostics) : null,
                PreNorm = k == 0 ? preNorm : null,
                PreActivation = k == 0 ? preActivation : null,
                FlattenOutput = flattenOutput && k == parts.Count - 1,
                Input = k == 0 ? input : null,
                Concat = k == 0 ? concat : EquatableArray<string>.Empty,
                Skip = partAdds ? skip : null,
                SkipParameter = partAdds ? (split is null ? skipParameter : "skip") : null,
            };
            if (split is null) spec = spec with { OutputParameter = method.Parameters[yIndex].Name, BatchParameter = method.Parameters[batchIndex].Name };
            specs.Add(spec);
        }
        return diagnostics.Skip(errorsBefore).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) ? null : specs;
    }

    /// <summary>The attribute class that gives a layer's parameters, and whether the layer may go without it.</summary>
    private static (string? Attribute, bool Optional) ParameterAttribute(LayerKind layer) => layer switch
    {
        LayerKind.Conv1d => (AttributeNames.Conv1d, false),
        LayerKind.Conv2d => (AttributeNames.Conv2d, false),
        LayerKind.Conv3d => (AttributeNames.Conv3d, false),
        LayerKind.ConvTranspose2d => (AttributeNames.ConvTranspose2d, false),
        LayerKind.Linear => (AttributeNames.Linear, false),
        _ when layer.IsBatchNorm() => (AttributeNames.BatchNorm, false),
        _ when layer.IsInstanceNorm() => (AttributeNames.InstanceNorm, true), // PyTorch's defaults need no attribute
        LayerKind.GroupNorm => (AttributeNames.GroupNorm, false),
        LayerKind.LayerNorm => (AttributeNames.LayerNorm, false),
        LayerKind.MaxPool1d => (AttributeNames.MaxPool1d, false),
        LayerKind.MaxPool2d => (AttributeNames.MaxPool2d, false),
        LayerKind.MaxPool3d => (AttributeNames.MaxPool3d, false),
        LayerKind.AvgPool1d => (AttributeNames.AvgPool1d, false),
        LayerKind.AvgPool2d => (AttributeNames.AvgPool2d, false),
        LayerKind.AvgPool3d => (AttributeNames.AvgPool3d, false),
        LayerKind.AdaptiveAvgPool2d => (AttributeNames.AdaptiveAvgPool2d, true), // output_size 1 needs no attribute
        LayerKind.LeakyReLU => (AttributeNames.LeakyReLU, true),
        LayerKind.ELU => (AttributeNames.ELU, true),
        LayerKind.GELU => (AttributeNames.GELU, true),
        LayerKind.Upsample => (AttributeNames.Upsample, false), // scale_factor has no default
        LayerKind.ReflectionPad2d => (AttributeNames.ReflectionPad2d, false),
        LayerKind.ReplicationPad2d => (AttributeNames.ReplicationPad2d, false),
        LayerKind.ZeroPad2d => (AttributeNames.ZeroPad2d, false),
        _ => (null, true),
    };

    private static readonly HashSet<string> ParameterAttributes = new()
    {
        AttributeNames.Conv1d, AttributeNames.Conv2d, AttributeNames.Conv3d, AttributeNames.Linear, AttributeNames.BatchNorm,
        AttributeNames.InstanceNorm, AttributeNames.GroupNorm, AttributeNames.LayerNorm, AttributeNames.MaxPool1d, AttributeNames.MaxPool2d,
        AttributeNames.MaxPool3d, AttributeNames.AvgPool1d, AttributeNames.AvgPool2d, AttributeNames.AvgPool3d, AttributeNames.LeakyReLU,
        AttributeNames.ELU, AttributeNames.GELU, AttributeNames.AdaptiveAvgPool2d, AttributeNames.ConvTranspose2d,
        AttributeNames.Upsample, AttributeNames.ReflectionPad2d, AttributeNames.ReplicationPad2d, AttributeNames.ZeroPad2d,
    };

    /// <summary>
    /// Gives each layer the next parameter attribute of its class, in source order. A required attribute that is
    /// missing is FN0006; an attribute no layer takes is FN0007; an optional attribute given for some layers of its
    /// kind but not all is FN0006 too, because which layer it belongs to would be a guess.
    /// </summary>
    private static List<Dictionary<string, AttributeData>> AssignAttributes(IMethodSymbol method, string name, List<List<LayerKind>> parts,
        LocationInfo? location, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, LayerKind? inputPool = null,
        List<LayerKind>? preAct = null)
    {
        // An input pool or a pre-activation (listed first) takes the first attributes of its kinds; its dictionary is returned
        // after the parts'. (The parser refuses the two together.)
        List<LayerKind>? leadingPart = inputPool is { } pool ? new List<LayerKind> { pool } : preAct is { Count: > 0 } ? preAct : null;
        if (leadingPart is not null) parts = new[] { leadingPart }.Concat(parts).ToList();
        var queues = method.GetAttributes()
            .Where(a => AttributeNames.Of(a) is { } name && ParameterAttributes.Contains(name))
            .GroupBy(a => AttributeNames.Of(a)!)
            .ToDictionary(g => g.Key, g => new Queue<AttributeData>(g));
        var users = parts.SelectMany(p => p).Select(ParameterAttribute).Where(a => a.Attribute is not null)
            .GroupBy(a => a.Attribute!).ToDictionary(g => g.Key, g => g.Count());

        var assigned = new List<Dictionary<string, AttributeData>>();
        foreach (var part in parts)
        {
            var mine = new Dictionary<string, AttributeData>();
            foreach (LayerKind layer in part)
            {
                var (attribute, optional) = ParameterAttribute(layer);
                if (attribute is null) continue;
                if (queues.TryGetValue(attribute, out var queue) && queue.Count > 0) mine[attribute] = queue.Dequeue();
                else if (!optional || queues.ContainsKey(attribute))
                    diagnostics.Add(DiagnosticInfo.Create(MissingLayerAttribute, location, name,
                        users[attribute] > 1 ? $"{users[attribute]} {layer} layers" : layer.ToString(), ShortName(attribute)));
            }
            assigned.Add(mine);
        }
        if (leadingPart is not null) { assigned.Add(assigned[0]); assigned.RemoveAt(0); }

        foreach (var pair in queues)
            foreach (AttributeData extra in pair.Value)
            {
                string shortName = ShortName(pair.Key);
                diagnostics.Add(DiagnosticInfo.Create(UnusedLayerAttribute,
                    LocationInfo.From(extra.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()) ?? location,
                    name, shortName, users.ContainsKey(pair.Key) ? "further " + shortName + " layer" : shortName));
            }
        return assigned;
    }

    /// <summary>A MaxPool2d/AvgPool2d from its attribute (null when FN0006 already reported it missing).</summary>
    private static PoolSpec? ReadPool(LayerKind kind, Dictionary<string, AttributeData> attributes, BlockExpander.Use? block, string chain, List<DiagnosticInfo> diagnostics)
    {
        string attributeName = kind == LayerKind.MaxPool2d ? AttributeNames.MaxPool2d : AttributeNames.AvgPool2d;
        if (!attributes.TryGetValue(attributeName, out AttributeData? data)) return null;
        AttributeReader a = block is null ? new AttributeReader(data) : block.Read(data, chain, diagnostics); // in a block: at this use's values
        int kernel = a.Int("KernelSize", 0), stride = a.Int("Stride", 0);
        return new PoolSpec(kind, kernel, stride == 0 ? kernel : stride, a.Int("Padding", 0), a.Bool("CountIncludePad", true));
    }

    private static string ShortName(string attributeName) => attributeName.Substring("FusedNorm.".Length).Replace("Attribute", "");

    private static ChainSpec? ParsePart(string name, List<LayerKind> layers, Dictionary<string, AttributeData> attributes, bool training,
        SplitSpec? split, string modifiers, IMethodSymbol method, LocationInfo? location, List<DiagnosticInfo> diagnostics, BlockExpander.Use? block)
    {
        int errorsBefore = diagnostics.Count;
        AttributeReader? Get(string attributeName) => attributes.TryGetValue(attributeName, out AttributeData? d)
            ? (block is null ? new AttributeReader(d) : block.Read(d, name, diagnostics))
            : null;

        LayerKind compute = layers.First(l => l.Role() == LayerRole.Compute);
        LayerKind? norm = layers.Where(l => l.Role() == LayerRole.Norm).Select(l => (LayerKind?)l).FirstOrDefault();
        LayerKind? activation = layers.Where(l => l.Role() == LayerRole.Activation).Select(l => (LayerKind?)l).FirstOrDefault();
        LayerKind? pool = layers.Where(l => l.Role() == LayerRole.Pool).Select(l => (LayerKind?)l).FirstOrDefault();

        ConvSpec? conv = null;
        LinearSpec? linear = null;
        if (compute == LayerKind.Linear)
        {
            if (Get(AttributeNames.Linear) is { } a)
                linear = new LinearSpec(RequireName(a, "Linear", name, "fc1", location, diagnostics),
                    a.Int("InFeatures", 0), a.CtorInt(0, 0), a.Bool("Bias", true));
        }
        else if (compute == LayerKind.ConvTranspose2d)
        {
            if (Get(AttributeNames.ConvTranspose2d) is { } a)
            {
                ConvTuples.Read(a, 2, transposed: true, $"ConvTranspose2d '{a.String("Name", null)}'", name, location, diagnostics); // FN0049: no tuples here yet
                conv = new ConvSpec(RequireName(a, "ConvTranspose2d", name, "up1", location, diagnostics),
                    a.Int("InChannels", 0), a.CtorInt(0, 0), a.Int("KernelSize", 0), a.Int("Stride", 1),
                    a.Int("Padding", 0), a.Int("Dilation", 1), a.Bool("Bias", true), 2, a.Int("Groups", 1),
                    Transposed: true, OutputPadding: a.Int("OutputPadding", 0));
            }
        }
        else
        {
            int rank = compute.SpatialRank();
            string attributeName = rank switch { 1 => AttributeNames.Conv1d, 2 => AttributeNames.Conv2d, _ => AttributeNames.Conv3d };
            if (Get(attributeName) is { } a)
            {
                int mode = a.Int("PaddingMode", 0);
                if (mode is < 0 or > (int)PadMode.Circular)
                    diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, compute, name,
                        $"PaddingMode = {mode} is not a FusedNorm.PaddingMode (Zeros, Reflect, Replicate or Circular)"));
                // KernelSize … Dilation as ints or as per-dim tuples (FN0046–FN0048 when a tuple is misused).
                var sizes = ConvTuples.Read(a, rank, transposed: false, $"{compute} '{a.String("Name", null)}'", name, location, diagnostics);
                conv = new ConvSpec(RequireName(a, compute.ToString(), name, "conv1", location, diagnostics),
                    a.Int("InChannels", 0), a.CtorInt(0, 0), sizes?.Kernel ?? a.Int("KernelSize", 0), sizes?.Stride ?? a.Int("Stride", 1),
                    sizes?.Padding ?? a.Int("Padding", 0), sizes?.Dilation ?? a.Int("Dilation", 1), a.Bool("Bias", true), rank, a.Int("Groups", 1), PaddingMode: (PadMode)mode,
                    Axes: sizes?.Axes, Winograd: !a.Has("Winograd") ? WinogradChoice.Auto : a.Bool("Winograd", false) ? WinogradChoice.On : WinogradChoice.Off);
            }
        }

        PrologueSpec? prologue = ParsePrologue(layers, Get, name, location, diagnostics);

        NormSpec? normSpec = null;
        if (norm is { } normKind)
            normSpec = ParseNorm(normKind, Get, name, location, diagnostics);

        ActivationSpec? activationSpec = activation is { } act ? ParseActivation(act, Get, name, location, diagnostics) : null;

        PoolSpec? poolSpec = null;
        if (pool == LayerKind.AdaptiveAvgPool2d)
        {
            int outputSize = Get(AttributeNames.AdaptiveAvgPool2d)?.CtorInt(0, 1) ?? 1;
            if (outputSize != 1)
                diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, "AdaptiveAvgPool2d", name,
                    $"output_size {outputSize} is not supported; only output_size 1 (global average pooling, (C, H, W) → (C, 1, 1)) is"));
            poolSpec = new PoolSpec(LayerKind.AdaptiveAvgPool2d, 0, 0, 0, true, outputSize);
        }
        else if (pool is { } poolKind)
        {
            string attributeName = poolKind switch
            {
                LayerKind.MaxPool1d => AttributeNames.MaxPool1d,
                LayerKind.MaxPool2d => AttributeNames.MaxPool2d,
                LayerKind.MaxPool3d => AttributeNames.MaxPool3d,
                LayerKind.AvgPool1d => AttributeNames.AvgPool1d,
                LayerKind.AvgPool2d => AttributeNames.AvgPool2d,
                _ => AttributeNames.AvgPool3d,
            };
            if (Get(attributeName) is { } a)
            {
                int kernel = a.Int("KernelSize", 0);
                int stride = a.Int("Stride", 0);
                poolSpec = new PoolSpec(poolKind, kernel, stride == 0 ? kernel : stride, a.Int("Padding", 0), a.Bool("CountIncludePad", true));
            }
        }

        if (training && !(normSpec is { } ns && (ns.Kind.IsBatchNorm() || ns.Kind.IsInstanceNorm() && ns.TrackRunningStats)))
            diagnostics.Add(DiagnosticInfo.Create(TrainingWithoutBatchStatistics, location, name,
                normSpec is null ? "it has no normalization" : $"its {normSpec.Kind} computes the same statistics in training and eval mode and keeps no running statistics"));

        // After an add, the kernel pools its register tiles as it stores them; a norm with statistics adds in its
        // normalize step instead, which does not pool (yet).
        if (poolSpec is not null && layers.Contains(LayerKind.Add) && normSpec is { } statistics
            && !((statistics.Kind.IsBatchNorm() || statistics.Kind.IsInstanceNorm()) && statistics.TrackRunningStats))
            diagnostics.Add(DiagnosticInfo.Create(IllegalLayerOrder, location, name,
                $"{poolSpec.Kind} follows Add after {statistics.Kind} with statistics computed per call; pooling after an add is supported when the norm is folded (running statistics) or absent"));

        if (diagnostics.Skip(errorsBefore).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
            return null;

        if (split is not null)
            return new ChainSpec(name + "Part" + split.Part, "private", "x", "y", "batch",
                layers.ToEquatableArray(), conv, linear, normSpec, activationSpec, poolSpec, location, training, split, Prologue: prologue);
        return new ChainSpec(name, modifiers, method.Parameters[0].Name, method.Parameters[1].Name, method.Parameters[2].Name,
            layers.ToEquatableArray(), conv, linear, normSpec, activationSpec, poolSpec, location, training, Prologue: prologue);
    }

    /// <summary>
    /// The Upsample and padding layer before the chain's Conv2d (their order is checked by LayerOrder.PrologueProblem), or
    /// null when it has neither. Values PyTorch would refuse are FN0012.
    /// </summary>
    private static PrologueSpec? ParsePrologue(List<LayerKind> layers, System.Func<string, AttributeReader?> get, string chain, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        LayerKind padLayer = layers.FirstOrDefault(l => l.IsPaddingLayer());
        bool upsample = layers.Contains(LayerKind.Upsample);
        if (!upsample && padLayer == LayerKind.Unknown) return null;

        int scale = 0, mode = 0;
        bool alignCorners = false;
        if (upsample && get(AttributeNames.Upsample) is { } u)
        {
            scale = u.Int("ScaleFactor", 0);
            mode = u.Int("Mode", 0);
            alignCorners = u.Bool("AlignCorners", false);
            if (scale < 1)
                diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, "Upsample", chain,
                    $"ScaleFactor must be a whole number of at least 1 (PyTorch's scale_factor), but it is {scale}: set e.g. ScaleFactor = 2"));
            if (mode is < 0 or > (int)UpsampleKind.Bilinear)
                diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, "Upsample", chain,
                    $"Mode = {mode} is not a FusedNorm.UpsampleMode (Nearest or Bilinear)"));
            else if (alignCorners && mode == (int)UpsampleKind.Nearest)
                diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, "Upsample", chain,
                    "AlignCorners is set with Mode = Nearest; PyTorch allows align_corners only for the interpolating modes: remove it or use Mode = UpsampleMode.Bilinear"));
        }

        int left = 0, right = 0, top = 0, bottom = 0;
        if (padLayer != LayerKind.Unknown)
        {
            string attributeName = padLayer switch
            {
                LayerKind.ReflectionPad2d => AttributeNames.ReflectionPad2d,
                LayerKind.ReplicationPad2d => AttributeNames.ReplicationPad2d,
                _ => AttributeNames.ZeroPad2d,
            };
            if (get(attributeName) is { } a)
            {
                var padding = a.CtorIntArray(0);
                if (padding.Length == 1) left = right = top = bottom = padding[0];
                else if (padding.Length == 4) (left, right, top, bottom) = (padding[0], padding[1], padding[2], padding[3]);
                else
                    diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, padLayer, chain,
                        $"it gives {padding.Length} padding values; give one for every side, [{padLayer}(1)], or four in PyTorch's order, [{padLayer}(left, right, top, bottom)]"));
                if (padding.Any(v => v < 0))
                    diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, padLayer, chain,
                        $"padding ({string.Join(", ", padding)}) must not be negative (FusedNorm does not crop)"));
            }
        }
        return new PrologueSpec(scale, (UpsampleKind)mode, alignCorners, padLayer, left, right, top, bottom);
    }

    /// <summary>
    /// A chain of only a norm and/or activation ([Fuse(Layer.GroupNorm, Layer.SiLU)], [Fuse(Layer.ReLU)]): one pass of its
    /// own, which Plan runs as the epilogue of an identity depthwise 1×1 convolution (see ChainSpec.Standalone).
    /// </summary>
    private static List<ChainSpec>? ParseStandalone(IMethodSymbol method, string name, List<LayerKind> layers, AttributeReader fuseReader, LocationInfo? location,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, BlockExpander.Use? block, string? input, EquatableArray<string> concat,
        bool flattenOutput, MethodDeclarationSyntax methodSyntax)
    {
        string listed = string.Join(", ", layers);
        string? problem = LayerOrder.StandaloneProblem(layers)
            ?? (fuseReader.Bool("TrainingForward", false) ? "TrainingForward is not supported on a standalone chain; declare the training forward on a chain with a convolution or Linear" : null);
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(NoComputeLayer, location, name, listed, problem));
            return null;
        }
        int errorsBefore = diagnostics.Count;
        var attributes = AssignAttributes(method, name, new List<List<LayerKind>> { layers }, location, diagnostics, cancellationToken)[0];
        AttributeReader? Get(string attributeName) => attributes.TryGetValue(attributeName, out AttributeData? d)
            ? (block is null ? new AttributeReader(d) : block.Read(d, name, diagnostics))
            : null;
        NormSpec? norm = null;
        ActivationSpec? activation = null;
        foreach (LayerKind layer in layers)
        {
            if (layer.Role() == LayerRole.Activation) activation = ParseActivation(layer, Get, name, location, diagnostics);
            else norm = ParseNorm(layer, Get, name, location, diagnostics);
        }
        if (diagnostics.Skip(errorsBefore).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)) return null;
        string modifiers = string.Join(" ", methodSyntax.Modifiers.Select(m => m.Text).Where(t => t != "partial"));
        return new List<ChainSpec>
        {
            new ChainSpec(name, modifiers, method.Parameters[0].Name, method.Parameters[1].Name, method.Parameters[2].Name,
                layers.ToEquatableArray(), null, null, norm, activation, null, location,
                Input: input, Concat: concat, FlattenOutput: flattenOutput, Standalone: true),
        };
    }

    /// <summary>An activation and its one parameter, from its optional attribute.</summary>
    private static ActivationSpec ParseActivation(LayerKind act, System.Func<string, AttributeReader?> get, string name, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        double parameter = act switch
        {
            LayerKind.LeakyReLU => get(AttributeNames.LeakyReLU)?.Double("NegativeSlope", 0.01) ?? 0.01,
            LayerKind.ELU => get(AttributeNames.ELU)?.Double("Alpha", 1.0) ?? 1.0,
            _ => 0,
        };
        bool tanh = false;
        if (act == LayerKind.GELU && get(AttributeNames.GELU) is { } g)
        {
            string? approximate = g.String("Approximate", "none");
            if (approximate == "tanh") tanh = true;
            else if (approximate != "none")
                diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, "GELU", name,
                    $"Approximate = \"{approximate}\" is not one of PyTorch's values \"none\" or \"tanh\""));
        }
        return new ActivationSpec(act, parameter, tanh);
    }

    /// <summary>
    /// The BatchNorm and activation a chain lists before its convolution (checked by LayerOrder.PreActivationProblem), read
    /// from the attributes <see cref="AssignAttributes"/> gave them. A BatchNorm without running statistics computes them
    /// from the batch at run time, which the conv's input copy cannot: FN0051.
    /// </summary>
    private static (NormSpec? Norm, ActivationSpec? Activation) ParsePreActivation(List<LayerKind> pre, Dictionary<string, AttributeData> attributes,
        LayerKind compute, string name, LocationInfo? location, List<DiagnosticInfo> diagnostics, BlockExpander.Use? block)
    {
        AttributeReader? Get(string attributeName) => attributes.TryGetValue(attributeName, out AttributeData? d)
            ? (block is null ? new AttributeReader(d) : block.Read(d, name, diagnostics))
            : null;
        NormSpec? norm = null;
        ActivationSpec? activation = null;
        foreach (LayerKind layer in pre)
        {
            if (layer.Role() == LayerRole.Activation) activation = ParseActivation(layer, Get, name, location, diagnostics);
            else if (ParseNorm(layer, Get, name, location, diagnostics) is { } n)
            {
                if (!n.TrackRunningStats)
                    diagnostics.Add(DiagnosticInfo.Create(StatisticsNormBeforeConv, location, name, layer, compute,
                        "TrackRunningStats = false: the batch's mean and variance per channel"));
                norm = n;
            }
        }
        return (norm, activation);
    }

    /// <summary>What a norm that computes statistics per call reduces over, for FN0051.</summary>
    private static string StatisticsText(LayerKind norm) => norm switch
    {
        LayerKind.GroupNorm => "mean and variance per sample and group",
        LayerKind.LayerNorm => "mean and variance per sample over the normalized shape",
        _ => "mean and variance per sample and channel",
    };

    private static NormSpec? ParseNorm(LayerKind kind, System.Func<string, AttributeReader?> get, string chain, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        string attributeName = kind.IsBatchNorm() ? AttributeNames.BatchNorm
            : kind.IsInstanceNorm() ? AttributeNames.InstanceNorm
            : kind == LayerKind.GroupNorm ? AttributeNames.GroupNorm : AttributeNames.LayerNorm;
        string shortName = attributeName.Substring("FusedNorm.".Length).Replace("Attribute", "");
        AttributeReader? a = get(attributeName);
        if (a is null && !kind.IsInstanceNorm()) return null; // FN0006 is already reported; InstanceNorm's defaults need no attribute

        NormSpec spec = kind switch
        {
            _ when kind.IsBatchNorm() => new NormSpec(kind, "", a!.Value.Int("NumFeatures", 0), a.Value.Double("Eps", 1e-5), a.Value.Double("Momentum", 0.1),
                a.Value.Bool("Affine", true), a.Value.Bool("TrackRunningStats", true), a.Value.Bool("CumulativeAverage", false)),
            _ when kind.IsInstanceNorm() => new NormSpec(kind, "", a?.Int("NumFeatures", 0) ?? 0, a?.Double("Eps", 1e-5) ?? 1e-5, a?.Double("Momentum", 0.1) ?? 0.1,
                a?.Bool("Affine", false) ?? false, a?.Bool("TrackRunningStats", false) ?? false, a?.Bool("CumulativeAverage", false) ?? false),
            LayerKind.GroupNorm => new NormSpec(kind, "", a!.Value.Int("NumChannels", 0), a.Value.Double("Eps", 1e-5), 0,
                a.Value.Bool("Affine", true), false, NumGroups: a.Value.CtorInt(0, 0)),
            _ => new NormSpec(kind, "", 0, a!.Value.Double("Eps", 1e-5), 0, a.Value.Bool("ElementwiseAffine", true), false,
                NormalizedShape: a.Value.CtorIntArray(0).ToEquatableArray(), Bias: a.Value.Bool("Bias", true)),
        };

        // A name is needed only for state the file holds: affine parameters or running statistics.
        bool hasState = spec.Affine || spec.TrackRunningStats;
        if (hasState)
            spec = spec with { Name = RequireName(a!.Value, kind.ToString(), chain, kind.IsBatchNorm() ? "bn1" : kind == LayerKind.LayerNorm ? "ln1" : "norm1", location, diagnostics) };
        else if (a?.String("Name", null) is { Length: > 0 } given)
            spec = spec with { Name = given };

        if (!(spec.Eps > 0))
            diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, kind, chain, $"Eps must be positive, but it is {spec.Eps}"));
        if (spec.TrackRunningStats && !spec.CumulativeAverage && !(spec.Momentum >= 0 && spec.Momentum <= 1))
            diagnostics.Add(DiagnosticInfo.Create(InvalidParameter, location, kind, chain, $"Momentum must be between 0 and 1 (or set CumulativeAverage for PyTorch's momentum=None), but it is {spec.Momentum}"));
        return spec;
    }

    private static string RequireName(AttributeReader attribute, string layer, string chain, string example, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        string? value = attribute.String("Name", null);
        if (string.IsNullOrWhiteSpace(value))
        {
            diagnostics.Add(DiagnosticInfo.Create(MissingName, LocationInfo.From(attribute.Location) ?? location, layer, chain, example));
            return "";
        }
        return value!;
    }

    /// <summary>What is wrong with the signature of a chain that lists Layer.Add, or null: it must be (x, skip, y, batch).</summary>
    private static string? SkipSignatureProblem(IMethodSymbol method)
    {
        if (method.IsStatic) return "is static; chains use the model's loaded weights";
        if (method.IsGenericMethod) return "is generic";
        if (!method.ReturnsVoid) return "must return void";
        if (method.Parameters.Length == 3 && SignatureProblem(method) is null)
            return "lists Layer.Add but has no parameter for the tensor it adds";
        if (method.Parameters.Length != 4) return $"lists Layer.Add and has {method.Parameters.Length} parameters instead of 4";
        if (!IsSpanOfFloat(method.Parameters[0].Type, "ReadOnlySpan")) return "has a first parameter that is not ReadOnlySpan<float>";
        if (!IsSpanOfFloat(method.Parameters[1].Type, "ReadOnlySpan")) return "lists Layer.Add, so its second parameter is the skip tensor, a ReadOnlySpan<float>";
        if (!IsSpanOfFloat(method.Parameters[2].Type, "Span")) return "has a third parameter that is not Span<float> (the output)";
        if (method.Parameters[3].Type.SpecialType != SpecialType.System_Int32) return "has a fourth parameter that is not int (the batch size)";
        if (method.Parameters.Any(p => p.RefKind != RefKind.None)) return "has parameters not passed by value";
        return null;
    }

    private static string? SignatureProblem(IMethodSymbol method)
    {
        if (method.IsStatic) return "it is static; chains use the model's loaded weights";
        if (method.IsGenericMethod) return "it is generic";
        if (!method.ReturnsVoid) return "it must return void";
        if (method.Parameters.Length != 3) return $"it has {method.Parameters.Length} parameters instead of 3";
        if (!IsSpanOfFloat(method.Parameters[0].Type, "ReadOnlySpan")) return "the first parameter must be ReadOnlySpan<float>";
        if (!IsSpanOfFloat(method.Parameters[1].Type, "Span")) return "the second parameter must be Span<float>";
        if (method.Parameters[2].Type.SpecialType != SpecialType.System_Int32) return "the third parameter must be int (the batch size)";
        if (method.Parameters.Any(p => p.RefKind != RefKind.None)) return "parameters must be passed by value";
        return null;
    }

    private static bool IsSpanOfFloat(ITypeSymbol type, string name) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && named.Name == name
        && named.ContainingNamespace.ToDisplayString() == "System"
        && named.TypeArguments[0].SpecialType == SpecialType.System_Single;

    /// <summary>
    /// FN0020: a member the user declared with the name of one the generator writes would otherwise fail inside the
    /// generated file (CS0102/CS0111) with no hint of what to rename. The [Fuse] declarations themselves are excluded.
    /// Keep in step with ModelEmitter and ChainEmitter.
    /// </summary>
    private static void CheckGeneratedNames(INamedTypeSymbol type, List<ChainSpec> chains, bool hasParameterlessCtor,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        // Name → what it is, and the parameter lists of the generated methods of that name (null: not a method). A user
        // method with the same name but other parameters is a legal overload; anything else of that name collides.
        var generated = new Dictionary<string, (string What, string[]? Signatures)>(System.StringComparer.Ordinal);
        const string Spans = "System.ReadOnlySpan<float>, System.Span<float>, int";
        const string SkipSpans = "System.ReadOnlySpan<float>, System.ReadOnlySpan<float>, System.Span<float>, int";
        const string Tensors = "System.Numerics.Tensors.ReadOnlyTensorSpan<float>, System.Numerics.Tensors.TensorSpan<float>";
        const string SkipTensors = "System.Numerics.Tensors.ReadOnlyTensorSpan<float>, System.Numerics.Tensors.ReadOnlyTensorSpan<float>, System.Numerics.Tensors.TensorSpan<float>";
        foreach (string member in new[] { "InputSize", "OutputSize", "InputShape", "OutputShape", "InputLengths", "OutputLengths", "StateDictKeys", "IsLoaded" })
            generated[member] = ("the model's " + member, null);
        generated["LoadWeights"] = ("the model's LoadWeights", new[] { "string", "FusedNorm.SafeTensorsFile" });
        generated["Forward"] = ("the model's Forward", new[] { Spans, Tensors });
        generated["CreateInput"] = ("the model's CreateInput", new[] { "int" });
        generated["CreateOutput"] = ("the model's CreateOutput", new[] { "int" });
        if (hasParameterlessCtor) generated["FromSafetensors"] = ("the model's FromSafetensors", new[] { "string" });
        if (chains.Any(c => c.TrainingForward && c.Norm is { TrackRunningStats: true }))
            generated["WriteRunningStatistics"] = ("the model's WriteRunningStatistics", new[] { "FusedNorm.SafeTensorsWriter" });
        foreach (ChainSpec chain in chains)
        {
            string of = $"chain '{chain.GraphName}'";
            generated["Load" + chain.MethodName] = ($"the load step of {of}", new[] { "FusedNorm.SafeTensorsFile" });
            if (chain.TrainingForward) generated[chain.MethodName + "Training"] = ($"the training forward of {of}", new[] { Spans });
            if (chain.Split is not null) generated[chain.MethodName] = ($"kernel {chain.Split.Part} of {of}", new[] { chain.SkipParameter is null ? Spans : SkipSpans });
            // The tensor overload of the method the user declared (a split chain's method once, with the skip if any part adds);
            // a chain a block use expanded is generated whole, so its span method is generated too.
            string declared = chain.Split?.Method ?? chain.MethodName;
            bool skips = chains.Any(c => (c.Split?.Method ?? c.MethodName) == declared && c.SkipParameter is not null);
            generated[declared] = chain.Block is null
                ? ($"the tensor overload of {of}", new[] { skips ? SkipTensors : Tensors })
                : ($"the chain {chain.Block}", new[] { skips ? SkipSpans : Spans, skips ? SkipTensors : Tensors });
            string field = "_" + char.ToLowerInvariant(chain.MethodName[0]) + chain.MethodName.Substring(1);
            foreach (string suffix in new[] { "Weights", "Bias", "RawWeights", "RawBias", "Norm", "Arguments", "TrainingArguments" })
                generated[field + suffix] = ($"a weight field of {of}", null);
        }

        var fuseMethods = new HashSet<string>(chains.Select(c => c.GraphName));
        foreach (ISymbol member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared || !generated.TryGetValue(member.Name, out var entry)) continue;
            if (member is IMethodSymbol method)
            {
                if (fuseMethods.Contains(member.Name) && member.GetAttributes().Any(a => AttributeNames.Of(a) == AttributeNames.Fuse)) continue;
                string parameters = string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString()));
                if (entry.Signatures is not null && !entry.Signatures.Contains(parameters)) continue; // an overload
            }
            LocationInfo? at = LocationInfo.From(member.Locations.FirstOrDefault());
            diagnostics.Add(DiagnosticInfo.Create(GeneratedMemberCollision, at, type.Name, member.Name, entry.What));
        }
    }

    private static void CheckUniqueNames(string typeName, List<ChainSpec> chains, List<DiagnosticInfo> diagnostics)
    {
        var seen = new HashSet<string>();
        foreach (ChainSpec chain in chains)
            foreach (string? layerName in new[] { chain.PreNorm?.Name, chain.Conv?.Name, chain.Linear?.Name, chain.Norm?.Name })
                if (!string.IsNullOrEmpty(layerName) && !seen.Add(layerName!))
                    diagnostics.Add(DiagnosticInfo.Create(DuplicateName, chain.Location, layerName!, typeName));
    }
}
