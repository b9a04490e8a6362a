using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>The "fusion plan" doc comment above each kernel class: what runs, in which order, on which path.</summary>
internal static class FusionPlanComment
{
    public static void Write(SourceWriter w, ChainPlan chain)
    {
        w.Line("/// <summary>");
        w.Line($"/// Fusion plan for {chain.Type.ClassName}.{chain.MethodName}: {Describe(chain).Replace("→", "+")}");
        w.Line("/// <code>");
        if (chain.Conv is { } c)
        {
            w.Line($"/// conv    {c.InChannels}×{c.InHeight}×{c.InWidth} → {c.OutChannels}×{c.OutHeight}×{c.OutWidth}, {c.Kernel}×{c.Kernel} window unrolled, stride {c.Stride}, padding {c.Padding}, dilation {c.Dilation}");
            Norm(w, chain, "conv");
            Activation(w, chain);
            if (chain.Pool is { } p)
                w.Line($"/// pool    {p.Kind} {p.Kernel}×{p.Kernel}, stride {p.Stride}, padding {p.Padding} → {c.OutChannels}×{p.OutHeight}×{p.OutWidth}, read from a {c.OcBlock}×{c.OutHeight}×{c.OutWidth} scratch plane still in cache; the conv output never reaches memory");
            w.Line($"/// tiles   {c.OcBlock} output channels × 8 output columns of accumulators per Vector256 step: {c.FullBlocks} block(s) of {c.OcBlock}" + (c.TailChannels > 0 ? $" + 1 of {c.TailChannels}" : "") + " channels");
            if (c.Vectorized)
                w.Line($"/// columns {c.InteriorStart}..{c.InteriorEnd - 1} are interior (no bounds tests, the last vector overlaps the one before); " +
                       (c.InteriorStart > 0 || c.InteriorEnd < c.OutWidth ? $"{c.InteriorStart + c.OutWidth - c.InteriorEnd} border column(s) take the checked scalar path" : "no border columns"));
            else
                w.Line("/// columns fewer than 8 interior columns: scalar path only (diagnostic FN0201)");
            if (c.Vectorized && c.Stride > 1) w.Line($"/// loads   stride {c.Stride}: each input vector is gathered from {c.Stride}-apart elements");
            w.Line($"/// weights packed once at load: [block][ic][kh][kw][channel in block]");
        }
        else
        {
            LinearPlan l = chain.Linear!;
            w.Line($"/// linear  {l.InFeatures} → {l.OutFeatures}" + (chain.InputShape.Count > 1 ? $", input flattened from {ShapeInts(chain.InputShape)}" : "") + "; x[i] broadcast against 8 output features per vector");
            Norm(w, chain, "linear");
            Activation(w, chain);
            if (l.Vectorized)
                w.Line($"/// tiles   {l.VectorBlocks} vector(s) of 8 outputs, {l.BlocksPerPass} per pass over x" + (l.OutFeatures % 8 != 0 ? $"; the last starts at {l.OutFeatures - 8} and overlaps the one before" : ""));
            else
                w.Line("/// tiles   fewer than 8 outputs: scalar path only (diagnostic FN0201)");
            w.Line("/// weights packed once at load: [block][in][8 outputs]");
        }
        w.Line("/// scalar  the same plan in plain loops when Vector256 is not hardware accelerated");
        w.Line("/// </code>");
        w.Line("/// </summary>");
    }

    private static void Norm(SourceWriter w, ChainPlan chain, string into)
    {
        if (chain.Norm is { } n)
            w.Line($"/// norm    {n.Kind}({n.NumFeatures}), eps {Double(n.Eps)}, running statistics: folded into the {into} weights and bias at load, so it costs nothing here");
    }

    private static void Activation(SourceWriter w, ChainPlan chain)
    {
        if (chain.Activation is { } a)
            w.Line($"/// act     {ActivationName(a)} on the accumulators in registers, before the store");
    }
}
