using FusedNorm.Generator.Plan;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Linear kernels: each x[i] is broadcast against 8 output features per Vector256, with up to four vectors of
/// accumulators per pass over x; bias (norm folded in) starts the accumulators and the activation runs on them.
/// </summary>
internal static class LinearEmitter
{
    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        LinearPlan l = chain.Linear!;
        w.Line($"private const int In = {l.InFeatures}, Out = {l.OutFeatures};");
        if (l.Vectorized) w.Line($"private const int Blocks = {l.VectorBlocks}; // vectors of 8 output features; the last starts at Out - 8");
        w.Line();
        w.Line(l.Vectorized
            ? "/// <summary>Packs weight [Out, In] (norm already folded) as [block][in][8 outputs].</summary>"
            : "/// <summary>Keeps weight [Out, In] (norm already folded) as it is: the scalar path reads it row by row.</summary>");
        w.Line(l.Vectorized
            ? "public static float[] PackWeights(float[] weight) => WeightPacking.PackLinear(weight, Out, In);"
            : "public static float[] PackWeights(float[] weight) => (float[])weight.Clone();");
        w.Line();

        using (w.Block("public static void Run(ReadOnlySpan<float> x, Span<float> y, int batch, float[] weights, float[] bias)"))
        {
            w.Line("ref float w0 = ref MemoryMarshal.GetArrayDataReference(weights);");
            w.Line("ref float b0 = ref MemoryMarshal.GetArrayDataReference(bias);");
            using (w.Block("for (int n = 0; n < batch; n++)"))
            {
                w.Line($"ref float xn = ref {Unsafe}.Add(ref MemoryMarshal.GetReference(x), n * In);");
                w.Line($"ref float yn = ref {Unsafe}.Add(ref MemoryMarshal.GetReference(y), n * Out);");
                if (l.Vectorized)
                {
                    int full = l.VectorBlocks / l.BlocksPerPass, rest = l.VectorBlocks % l.BlocksPerPass;
                    w.Open("if (Vector256.IsHardwareAccelerated)");
                    w.Comment((full == 1 ? $"One pass of {l.BlocksPerPass} vectors" : $"{full} passes of {l.BlocksPerPass} vectors") + (rest > 0 ? $", then one of {rest}" : "") + " over x.");
                    if (full == 1) w.Line($"Pass{l.BlocksPerPass}_V256(ref xn, ref w0, ref b0, ref yn, 0);");
                    else if (full > 1) w.Line($"for (int block = 0; block < {full * l.BlocksPerPass}; block += {l.BlocksPerPass}) Pass{l.BlocksPerPass}_V256(ref xn, ref w0, ref b0, ref yn, block);");
                    if (rest > 0) w.Line($"Pass{rest}_V256(ref xn, ref w0, ref b0, ref yn, {full * l.BlocksPerPass});");
                    w.Close();
                    w.Line("else Scalar(ref xn, ref w0, ref b0, ref yn);");
                }
                else
                    w.Line("Scalar(ref xn, ref w0, ref b0, ref yn);");
            }
        }

        if (l.Vectorized)
        {
            int full = l.VectorBlocks / l.BlocksPerPass, rest = l.VectorBlocks % l.BlocksPerPass;
            w.Line();
            EmitPass(w, chain, l.BlocksPerPass);
            if (rest > 0 && rest != l.BlocksPerPass) { w.Line(); EmitPass(w, chain, rest); }
        }
        w.Line();
        EmitScalar(w, chain);
    }

    private static void EmitPass(SourceWriter w, ChainPlan chain, int g)
    {
        string vec = "Vector256<float>";
        w.Line($"/// <summary>{g * 8} output features (vectors first..first+{g - 1}) in one pass over x{(chain.Activation is { } a ? ", " + ActivationName(a) + " in registers" : "")}.</summary>");
        using (w.Block($"private static void Pass{g}_V256(ref float x, ref float w, ref float bias, ref float y, int first)"))
        {
            w.Comment("Where each vector's 8 outputs start; the last vector of the layer starts at Out - 8 so it never runs past the end.");
            for (int j = 0; j < g; j++)
                w.Line($"int o{j} = Math.Min((first + {j}) * 8, Out - 8);");
            for (int j = 0; j < g; j++)
                w.Line($"{vec} acc{j} = {V}.LoadUnsafe(ref bias, (nuint)o{j});");
            for (int j = 0; j < g; j++)
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, (first + {j}) * In * 8);");
            w.Comment("Broadcast x[i] against the i-th row of each packed block.");
            using (w.Block("for (int i = 0; i < In; i++)"))
            {
                w.Line($"{vec} xi = {V}.Create({Unsafe}.Add(ref x, i));");
                for (int j = 0; j < g; j++)
                    w.Line($"acc{j} = {V}.FusedMultiplyAdd(xi, {V}.LoadUnsafe(ref w{j}, (nuint)(i * 8)), acc{j});");
            }
            w.Comment($"Epilogue: {(chain.Activation is { } act ? ActivationName(act) + " in registers, then " : "")}store.");
            for (int j = 0; j < g; j++)
                w.Line($"{V}.StoreUnsafe({Activate(chain.Activation, $"acc{j}")}, ref y, (nuint)o{j});");
        }
    }

    private static void EmitScalar(SourceWriter w, ChainPlan chain)
    {
        LinearPlan l = chain.Linear!;
        w.Line("/// <summary>The scalar path: one dot product per output feature.</summary>");
        using (w.Block("private static void Scalar(ref float x, ref float w, ref float bias, ref float y)"))
        using (w.Block("for (int o = 0; o < Out; o++)"))
        {
            if (l.Vectorized)
            {
                w.Comment("Find o in the packed layout: its block, and its lane in that block.");
                w.Line("int block = Math.Min(o / 8, Blocks - 1);");
                w.Line("int lane = o - Math.Min(block * 8, Out - 8);");
                w.Line($"ref float row = ref {Unsafe}.Add(ref w, block * In * 8 + lane);");
                w.Line($"float acc = {Unsafe}.Add(ref bias, o);");
                w.Line($"for (int i = 0; i < In; i++) acc += {Unsafe}.Add(ref x, i) * {Unsafe}.Add(ref row, i * 8);");
            }
            else
            {
                w.Line($"ref float row = ref {Unsafe}.Add(ref w, o * In);");
                w.Line($"float acc = {Unsafe}.Add(ref bias, o);");
                w.Line($"for (int i = 0; i < In; i++) acc += {Unsafe}.Add(ref x, i) * {Unsafe}.Add(ref row, i);");
            }
            w.Line($"{Unsafe}.Add(ref y, o) = {Activate(chain.Activation, "acc")};");
        }
    }
}
