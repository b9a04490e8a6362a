using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// The normalize step of chains that compute statistics: from a run's (or a channel's) moments to mean and
/// 1/√(var+ε), then (x − mean)·scale + shift with the affine folded into scale and shift per channel (or applied
/// elementwise for LayerNorm), then the activation, in place over data the block just wrote.
/// </summary>
internal static class NormEmitter
{
    public static void EmitNormalizers(SourceWriter w, ChainPlan chain)
    {
        NormPlan n = chain.Norm!;
        w.Line($"private const double Eps = {Double(n.Eps)};");
        w.Line();
        bool training = chain.TrainingForward && n.TrainingMode == NormMode.RunStatistics;
        // A chain split into statistics row bands normalizes its eval forward through BandedStatisticsEmitter's span methods.
        bool runs = (n.EvalMode == NormMode.RunStatistics && chain.StatBands == 1) || training;
        if (runs)
        {
            EmitNormalizeRuns(w, chain, withTraining: false);
            if (training) { w.Line(); EmitNormalizeRuns(w, chain, withTraining: true); }
            w.Line();
        }
        if (!n.Elementwise)
        {
            w.Line("/// <summary>Normalizes one channel's plane with that channel's γ and β folded into one scale and shift.</summary>");
            using (w.Block($"private static void NormalizeChannel(ref float z{ConvEmitter.SkipRef(chain, "skip")}, int channel, double mean, double variance, NormState norm)"))
            {
                w.Line("float invStd = (float)(1 / Math.Sqrt(variance + Eps));");
                w.Line(n.Affine ? "float scale = norm.Gamma![channel] * invStd, shift = norm.Beta![channel];" : "float scale = invStd, shift = 0f; // affine=False");
                w.Line($"NormalizeSpan(ref z{ConvEmitter.SkipArg(chain, "skip")}, ConvSpatial, mean, scale, shift);");
            }
            w.Line();
            EmitNormalizeSpan(w, chain);
        }
        else if (runs)
            EmitNormalizeElementwise(w, chain);
    }

    /// <summary>
    /// The normalizers of a chain that normalizes spans of a channel (Winograd's normalize step): its eps, then
    /// NormalizeChannelRows and NormalizeSpan, or NormalizeElementwiseRows for LayerNorm's elementwise affine.
    /// </summary>
    public static void EmitSpanNormalizers(SourceWriter w, ChainPlan chain)
    {
        w.Line($"private const double Eps = {Double(chain.Norm!.Eps)};");
        w.Line();
        if (chain.Norm.Elementwise) { BandedStatisticsEmitter.EmitNormalizeElementwiseRows(w, chain); return; }
        BandedStatisticsEmitter.EmitNormalizeChannelRows(w, chain);
        w.Line();
        EmitNormalizeSpan(w, chain);
    }

    private static void EmitNormalizeRuns(SourceWriter w, ChainPlan chain, bool withTraining)
    {
        NormPlan n = chain.Norm!;
        string extra = withTraining ? ", double[] meanSum, double[] varianceSum" : "";
        w.Line($"/// <summary>Normalizes runs [first, end) of one sample: {ConvEmitter.RunDescription(n)} per run{(withTraining ? "; adds each instance's mean and unbiased variance for the running statistics" : "")}.</summary>");
        using (w.Block($"private static void NormalizeRuns(ref float z{ConvEmitter.SkipRef(chain, "skip")}, Moments[] stats, int first, int end, NormState norm{extra})"))
        using (w.Block("for (int r = first; r < end; r++)"))
        {
            w.Line("ref Moments m = ref stats[r];");
            if (withTraining)
            {
                w.Line($"NormState.RequireMoreThanOne(m.Count, \"{chain.Type.ClassName}.{chain.MethodName}Training\");");
                w.Line("meanSum[r] += m.Mean; varianceSum[r] += m.UnbiasedVariance; // one run per channel");
            }
            w.Line("int start = r * RunLength;");
            if (n.Elementwise)
                w.Line($"NormalizeElementwise(ref Unsafe.Add(ref z, start){ConvEmitter.SkipArg(chain, "Unsafe.Add(ref skip, start)")}, m.Mean, m.Variance, norm);");
            else
            {
                w.Comment("The run's channels share its statistics; each has its own γ and β.");
                w.Line("for (int c = start / ConvSpatial; c < (start + RunLength) / ConvSpatial; c++)");
                w.Line($"    NormalizeChannel(ref Unsafe.Add(ref z, c * ConvSpatial){ConvEmitter.SkipArg(chain, "Unsafe.Add(ref skip, c * ConvSpatial)")}, c, m.Mean, m.Variance, norm);");
            }
        }
    }

    private static void EmitNormalizeSpan(SourceWriter w, ChainPlan chain)
    {
        string act = (chain.HasSkip ? " + skip" : "") + (chain.Activation is { } a ? ", then " + ActivationName(a) : "");
        w.Line($"/// <summary>z = (z − mean)·scale + shift{act}, in place. The mean is split in two floats so large offsets keep their precision.</summary>");
        using (w.Block($"private static void NormalizeSpan(ref float z{ConvEmitter.SkipRef(chain, "skip")}, int length, double mean, float scale, float shift)"))
        {
            string Plus(string vec, string i) => chain.HasSkip ? $" + {vec}.LoadUnsafe(ref skip, (nuint)({i}))" : "";
            w.Line("(float hi, float lo) = NormState.Split(mean);");
            foreach (var (vec, lanes) in new[] { ("Vector512", 16), ("Vector256", 8) })
            using (w.Block($"if ({vec}.IsHardwareAccelerated && length >= {lanes})"))
            {
                w.Line($"{vec}<float> vHi = {vec}.Create(hi), vLo = {vec}.Create(lo), vScale = {vec}.Create(scale), vShift = {vec}.Create(shift);");
                w.Comment("The last vector overlaps the one before it: compute it first, from raw values, and store it last.");
                w.Line($"{vec}<float> last = {Activate(chain.Activation, $"(({vec}.LoadUnsafe(ref z, (nuint)(length - {lanes})) - vHi) - vLo) * vScale + vShift{Plus(vec, $"length - {lanes}")}")};");
                w.Line($"for (int i = 0; i < length - {lanes}; i += {lanes})");
                w.Line($"    {vec}.StoreUnsafe({Activate(chain.Activation, $"(({vec}.LoadUnsafe(ref z, (nuint)i) - vHi) - vLo) * vScale + vShift{Plus(vec, "i")}")}, ref z, (nuint)i);");
                w.Line($"{vec}.StoreUnsafe(last, ref z, (nuint)(length - {lanes}));");
                w.Line("return;");
            }
            w.Line("for (int i = 0; i < length; i++)");
            w.Line($"    Unsafe.Add(ref z, i) = {Activate(chain.Activation, "((Unsafe.Add(ref z, i) - hi) - lo) * scale + shift" + (chain.HasSkip ? " + Unsafe.Add(ref skip, i)" : ""))};");
        }
    }

    private static void EmitNormalizeElementwise(SourceWriter w, ChainPlan chain)
    {
        NormPlan n = chain.Norm!;
        string affine = n.Affine ? (n.AffineBias ? "·γ[i] + β[i]" : "·γ[i]") : "";
        w.Line($"/// <summary>LayerNorm over one run of RunLength elements: z[i] = (z[i] − mean)/√(var+ε){affine}{(chain.HasSkip ? " + skip[i]" : "")}{(chain.Activation is { } a ? ", then " + ActivationName(a) : "")}, in place.</summary>");
        using (w.Block($"private static void NormalizeElementwise(ref float z{ConvEmitter.SkipRef(chain, "skip")}, double mean, double variance, NormState norm)"))
        {
            w.Line("float invStd = (float)(1 / Math.Sqrt(variance + Eps));");
            w.Line("(float hi, float lo) = NormState.Split(mean);");
            if (n.Affine) w.Line("ref float gamma = ref MemoryMarshal.GetArrayDataReference(norm.Gamma!);");
            if (n.AffineBias) w.Line("ref float beta = ref MemoryMarshal.GetArrayDataReference(norm.Beta!);");
            string Vexpr(string vec, string i)
            {
                string e = $"(({vec}.LoadUnsafe(ref z, (nuint)({i})) - vHi) - vLo) * vInvStd";
                if (n.Affine) e = $"{e} * {vec}.LoadUnsafe(ref gamma, (nuint)({i}))";
                if (n.AffineBias) e = $"{e} + {vec}.LoadUnsafe(ref beta, (nuint)({i}))";
                if (chain.HasSkip) e = $"{e} + {vec}.LoadUnsafe(ref skip, (nuint)({i}))";
                return Activate(chain.Activation, e);
            }
            string Sexpr()
            {
                string e = "((Unsafe.Add(ref z, i) - hi) - lo) * invStd";
                if (n.Affine) e = $"{e} * Unsafe.Add(ref gamma, i)";
                if (n.AffineBias) e = $"{e} + Unsafe.Add(ref beta, i)";
                if (chain.HasSkip) e = $"{e} + Unsafe.Add(ref skip, i)";
                return Activate(chain.Activation, e);
            }
            foreach (var (vec, lanes) in new[] { ("Vector512", 16), ("Vector256", 8) })
            {
                if (n.RunLength < lanes) continue; // no vector of this width fits the run
                using (w.Block($"if ({vec}.IsHardwareAccelerated)"))
                {
                    w.Line($"{vec}<float> vHi = {vec}.Create(hi), vLo = {vec}.Create(lo), vInvStd = {vec}.Create(invStd);");
                    w.Comment("The last vector overlaps the one before it: compute it first, from raw values, and store it last.");
                    w.Line($"{vec}<float> last = {Vexpr(vec, $"RunLength - {lanes}")};");
                    w.Line($"for (int i = 0; i < RunLength - {lanes}; i += {lanes})");
                    w.Line($"    {vec}.StoreUnsafe({Vexpr(vec, "i")}, ref z, (nuint)i);");
                    w.Line($"{vec}.StoreUnsafe(last, ref z, (nuint)(RunLength - {lanes}));");
                    w.Line("return;");
                }
            }
            w.Line("for (int i = 0; i < RunLength; i++)");
            w.Line($"    Unsafe.Add(ref z, i) = {Sexpr()};");
        }
    }
}
