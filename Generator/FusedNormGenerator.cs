using System.Collections.Immutable;
using System.Linq;
using FusedNorm.Generator.Emit;
using FusedNorm.Generator.Parse;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FusedNorm.Generator;

/// <summary>
/// The pipeline: [Model] classes → Parse → <see cref="ModelSpec"/> → Plan → <see cref="ModelPlan"/> → Emit.
/// Each step's output is plain equatable data, so an edit that does not change a model re-runs nothing after
/// Parse, and a chain whose plan did not change is not emitted again. Diagnostics have their own output.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class FusedNormGenerator : IIncrementalGenerator
{
    public static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Plan = nameof(Plan);
        public const string Chains = nameof(Chains);
        public const string Models = nameof(Models);
        public const string Diagnostics = nameof(Diagnostics);
        public const string OrphanChains = nameof(OrphanChains);
        public const string Stubs = nameof(Stubs);
        public const string Blocks = nameof(Blocks);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Each model's spec, and what to write in its place if it cannot be generated (the stub).
        IncrementalValuesProvider<(Result<ModelSpec> Spec, StubSpec? Stub)> specs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeNames.Model,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax,
                static (ctx, ct) =>
                {
                    Result<ModelSpec> spec = Guarded(ctx.TargetSymbol.Name, LocationInfo.From(ctx.TargetNode.GetLocation()),
                        () => ModelParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, (TypeDeclarationSyntax)ctx.TargetNode, ctx.SemanticModel.Compilation, ct));
                    // Only a model Parse rejected needs the symbols to write its stub; a parsed one's stub follows from its spec.
                    StubSpec? stub = spec.Value is null
                        ? GuardedStub(() => ModelParser.Stub((INamedTypeSymbol)ctx.TargetSymbol, (TypeDeclarationSyntax)ctx.TargetNode, ct))
                        : null;
                    return (spec, stub);
                })
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<(Result<ModelSpec> Spec, Result<ModelPlan>? Plan, StubSpec? Stub)> planned = specs
            .Select(static (parsed, _) => (parsed.Spec, parsed.Spec.Value is null ? null
                : Guarded(parsed.Spec.Value.Type.ClassName, parsed.Spec.Value.Location, () => ModelPlanner.Plan(parsed.Spec.Value)), parsed.Stub))
            .WithTrackingName(TrackingNames.Plan);

        // A model with errors: its stub, with the IDs of the errors it throws about (one error per mistake in the build).
        IncrementalValuesProvider<(StubSpec Stub, string Errors)> stubs = planned
            .Where(static p => p.Plan?.Value is null && (p.Stub is not null || p.Spec.Value is not null))
            .Select(static (p, _) => (p.Stub ?? StubSpec.From(p.Spec.Value!), string.Join(", ", p.Spec.Diagnostics.Concat(p.Plan?.Diagnostics ?? EquatableArray<DiagnosticInfo>.Empty)
                .Where(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error).Select(d => d.Descriptor.Id).Distinct().DefaultIfEmpty("the FN errors"))))
            .WithTrackingName(TrackingNames.Stubs);

        IncrementalValuesProvider<ModelPlan> models = planned
            .Select(static (p, _) => p.Plan?.Value)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.Models);

        IncrementalValuesProvider<ChainPlan> chains = models
            .SelectMany(static (m, _) => m.Chains)
            .WithTrackingName(TrackingNames.Chains);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = planned
            .SelectMany(static (p, _) => p.Spec.Diagnostics.Concat(p.Plan?.Diagnostics ?? EquatableArray<DiagnosticInfo>.Empty))
            .WithTrackingName(TrackingNames.Diagnostics);

        // A [Fuse] method in a class without [Model] would otherwise be silently ignored.
        IncrementalValuesProvider<DiagnosticInfo> orphans = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeNames.Fuse,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, _) =>
                {
                    var method = (IMethodSymbol)ctx.TargetSymbol;
                    // A [Block] class's chains are templates: its uses expand them inside a model.
                    bool inModel = method.ContainingType.GetAttributes().Any(a => AttributeNames.Of(a) is AttributeNames.Model or AttributeNames.Block);
                    return inModel ? null : DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.ChainWithoutModel,
                        LocationInfo.From(((MethodDeclarationSyntax)ctx.TargetNode).Identifier.GetLocation()), method.Name, method.ContainingType.Name);
                })
            .Where(static d => d is not null)
            .Select(static (d, _) => d!)
            .WithTrackingName(TrackingNames.OrphanChains);

        // Reported against the current compilation's syntax trees (not cached: the trees change with every edit), so
        // #pragma warning disable and .editorconfig severities work on them. The steps before stay cached.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, p) => spc.ReportDiagnostic(p.Left.ToDiagnostic(p.Right)));
        context.RegisterSourceOutput(orphans.Combine(context.CompilationProvider), static (spc, p) => spc.ReportDiagnostic(p.Left.ToDiagnostic(p.Right)));
        context.RegisterSourceOutput(models, static (spc, model) =>
            spc.AddSource(HintName(model.Type) + ".Model.g.cs", ModelEmitter.Emit(model)));
        context.RegisterSourceOutput(stubs, static (spc, stub) =>
            spc.AddSource(HintName(stub.Stub.Type) + ".NotGenerated.g.cs", StubEmitter.Emit(stub.Stub, stub.Errors)));
        // An inverted residual's one-kernel form: its own file, beside its three chains'.
        // Each block with only what its file is written from (its plan and its three chains'), so an edit elsewhere in the
        // model leaves the step Unchanged and the file is not written again.
        IncrementalValuesProvider<(TypeDeclarationSpec Type, InvertedResidualPlan Block, ChainPlan Expand, ChainPlan Depthwise, ChainPlan Project)> blocks = models
            .SelectMany(static (m, _) => m.InvertedResiduals.Select(b => (m.Type, b, m.Chains[b.Expand], m.Chains[b.Depthwise], m.Chains[b.Project])))
            .WithTrackingName(TrackingNames.Blocks);
        context.RegisterSourceOutput(blocks, static (spc, b) =>
            spc.AddSource(HintName(b.Type) + "." + b.Block.Name + ".g.cs", InvertedResidualEmitter.Emit(b.Type, b.Block, b.Expand, b.Depthwise, b.Project)));
        context.RegisterSourceOutput(chains, static (spc, chain) =>
            spc.AddSource(HintName(chain.Type) + "." + chain.MethodName + ".g.cs", ChainEmitter.Emit(chain)));
    }

    /// <summary>
    /// Runs one stage so that a bug in it becomes diagnostic FN0099 on the model, not an exception thrown into
    /// the compiler. Cancellation still propagates.
    /// </summary>
    internal static Result<T> Guarded<T>(string model, LocationInfo? location, System.Func<Result<T>> stage)
        where T : class, System.IEquatable<T>
    {
        try { return stage(); }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            return new Result<T>(null, EquatableArray.Of(DiagnosticInfo.Create(
                Diagnostics.DiagnosticDescriptors.InternalError, location, model, e.GetType().Name, e.Message)));
        }
    }

    /// <summary>The stub is a convenience: if building it fails, the model's own diagnostics still stand, so it is dropped.</summary>
    private static StubSpec? GuardedStub(System.Func<StubSpec?> stub)
    {
        try { return stub(); }
        catch (System.Exception e) when (e is not System.OperationCanceledException) { return null; }
    }

    private static string HintName(TypeDeclarationSpec type) => type.FullName.Replace('<', '_').Replace('>', '_');
}
