using System;
using System.Reflection;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// The System.Numerics.Tensors overloads of Forward and of each chain method: the same bits as the span overloads, the
/// batch from the first dimension, shapes and layouts checked with an exception that names the tensor, no copy and no
/// allocation per call. The tensors are built inside the compiled source (tensor spans are ref structs, which reflection
/// cannot pass), by the Driver class below.
/// </summary>
[Trait("Category", "Numeric")]
public class TensorTests
{
    private const string Source = """
        using System;
        using System.Buffers;
        using System.Numerics.Tensors;
        using FusedNorm;
        namespace Tensors;
        [Model(3, 8, 8)]
        public sealed partial class Net
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(8, KernelSize = 3, Padding = 1, Name = "c1")] [BatchNorm(Name = "bn1")]
            public partial void A(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.Add, Layer.ReLU, Skip = nameof(A))]
            [Conv2d(8, KernelSize = 3, Padding = 1, Name = "c2")]
            public partial void B(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        }

        public static class Driver
        {
            public static Net Load(byte[] safetensors) { var net = new Net(); net.LoadWeights(SafeTensorsFile.FromBytes(safetensors)); return net; }

            public static float[] SpanForward(Net net, float[] x, int batch) { var y = new float[batch * Net.OutputSize]; net.Forward(x, y, batch); return y; }

            public static float[] TensorForward(Net net, float[] x, int batch)
            {
                Tensor<float> input = Tensor.Create(x, new nint[] { batch, 3, 8, 8 });
                Tensor<float> output = Net.CreateOutput(batch);
                net.Forward(input, output);
                var y = new float[output.FlattenedLength];
                output.FlattenTo(y);
                return y;
            }

            public static float[] SpanB(Net net, float[] x, float[] skip, int batch) { var y = new float[batch * 8 * 64]; net.B(x, skip, y, batch); return y; }

            public static float[] TensorB(Net net, float[] x, float[] skip, int batch)
            {
                var y = new float[batch * 8 * 64];
                net.B(Tensor.Create(x, new nint[] { batch, 8, 8, 8 }), Tensor.Create(skip, new nint[] { batch, 8, 8, 8 }),
                    new TensorSpan<float>(y, new nint[] { batch, 8, 8, 8 }));
                return y;
            }

            /// <summary>The message of the exception a Forward over tensors of these lengths throws, or null.</summary>
            public static string? ForwardError(Net net, nint[] xLengths, nint[] yLengths)
            {
                long xCount = 1, yCount = 1;
                foreach (nint l in xLengths) xCount *= l;
                foreach (nint l in yLengths) yCount *= l;
                try { net.Forward(Tensor.Create(new float[xCount], xLengths), Tensor.Create(new float[yCount], yLengths)); return null; }
                catch (ArgumentException e) { return e.ParamName + ": " + e.Message; }
            }

            /// <summary>A Forward whose x is a slice of a larger tensor (every other column): not dense, so refused.</summary>
            public static string? SlicedInputError(Net net)
            {
                Tensor<float> wide = Tensor.Create(new float[1 * 3 * 8 * 16], new nint[] { 1, 3, 8, 16 });
                ReadOnlyTensorSpan<float> x = wide.AsReadOnlyTensorSpan().Slice(new NRange[] { .., .., .., 0..8 });
                try { net.Forward(x, Net.CreateOutput(1)); return null; }
                catch (ArgumentException e) { return e.ParamName + ": " + e.Message; }
            }

            /// <summary>Bytes allocated on this thread by <paramref name="calls"/> tensor Forwards after a warm-up.</summary>
            public static long AllocatedPerCalls(Net net, int calls)
            {
                Tensor<float> x = Net.CreateInput(2), y = Net.CreateOutput(2);
                for (int i = 0; i < 30; i++) net.Forward(x, y);
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < calls; i++) net.Forward(x, y);
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }

            public static string Lengths(Net _) => string.Join(",", Net.InputLengths.ToArray()) + "|" + string.Join(",", Net.OutputLengths.ToArray()) + "|" +
                string.Join(",", Net.CreateInput(5).Lengths.ToArray());
        }
        """;

    private static readonly Lazy<(Type Driver, object Net)> Compiled = new(() =>
    {
        Assembly assembly = GeneratorHarness.CompileAndLoad(Source);
        Type driver = assembly.GetType("Tensors.Driver")!;
        var random = new Random(11);
        float[] R(int n, float lo = -0.5f, float hi = 0.5f) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * (float)random.NextDouble(); return a; }
        var writer = new SafeTensorsWriter();
        writer.Add("c1.weight", R(8 * 3 * 9), 8, 3, 3, 3); writer.Add("c1.bias", R(8), 8);
        writer.Add("bn1.weight", R(8, 0.5f, 1.5f), 8); writer.Add("bn1.bias", R(8), 8);
        writer.Add("bn1.running_mean", R(8), 8); writer.Add("bn1.running_var", R(8, 0.5f, 2f), 8);
        writer.Add("c2.weight", R(8 * 8 * 9), 8, 8, 3, 3); writer.Add("c2.bias", R(8), 8);
        object net = driver.GetMethod("Load")!.Invoke(null, new object[] { writer.ToArray() })!;
        return (driver, net);
    });

    private static object? Call(string method, params object[] args)
    {
        var (driver, net) = Compiled.Value;
        object[] all = new object[args.Length + 1];
        all[0] = net;
        args.CopyTo(all, 1);
        return driver.GetMethod(method)!.Invoke(null, all);
    }

    private static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        return a;
    }

    [Fact]
    public void Forward_over_tensors_gives_the_bits_of_the_span_overload()
    {
        float[] x = Random(2 * 3 * 64, 1);
        var spans = (float[])Call("SpanForward", x, 2)!;
        var tensors = (float[])Call("TensorForward", x, 2)!;
        Assert.Equal(spans, tensors);
        Assert.Contains(spans, v => v != 0); // the model computed something
    }

    [Fact]
    public void A_chain_with_a_skip_over_tensors_gives_the_bits_of_the_span_overload()
    {
        float[] x = Random(3 * 8 * 64, 2), skip = Random(3 * 8 * 64, 3);
        Assert.Equal((float[])Call("SpanB", x, skip, 3)!, (float[])Call("TensorB", x, skip, 3)!);
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 8, 9 }, new long[] { 2, 8, 8, 8 }, "x: Net.Forward: x must be (2, 3, 8, 8) (batch, then one sample), but it is (2, 3, 8, 9)")]
    [InlineData(new long[] { 3, 8, 8 }, new long[] { 2, 8, 8, 8 }, "x: Net.Forward: x must be (batch, 3, 8, 8), rank 4, but it is (3, 8, 8), rank 3")]
    [InlineData(new long[] { 2, 3, 8, 8 }, new long[] { 1, 8, 8, 8 }, "y: Net.Forward: y must be (2, 8, 8, 8)")]
    [InlineData(new long[] { 2, 3, 8, 8 }, new long[] { 2, 8, 64 }, "y: Net.Forward: y must be (2, 8, 8, 8) (batch, then one sample), but it is (2, 8, 64)")]
    public void A_wrong_shape_is_refused_with_the_tensor_and_shape_named(long[] x, long[] y, string expected)
    {
        string? message = (string?)Call("ForwardError", Array.ConvertAll(x, v => (nint)v), Array.ConvertAll(y, v => (nint)v));
        Assert.NotNull(message);
        Assert.StartsWith(expected, message);
    }

    [Fact]
    public void A_sliced_tensor_is_refused_not_read_out_of_order()
    {
        string? message = (string?)Call("SlicedInputError");
        Assert.NotNull(message);
        Assert.StartsWith("x: Net.Forward: x must be dense and row-major", message);
    }

    [Fact]
    public void Forward_over_tensors_allocates_nothing()
    {
        // A window of calls can see a pool's first rent or a tiering step; one clean window of three is enough.
        long[] windows = new long[3];
        for (int i = 0; i < windows.Length; i++)
        {
            windows[i] = (long)Call("AllocatedPerCalls", 100)!;
            if (windows[i] == 0) return;
        }
        Assert.Fail($"every window of 100 tensor Forwards allocated: {string.Join(", ", windows)} bytes");
    }

    [Fact]
    public void The_shapes_are_there_as_the_tensor_APIs_take_them()
    {
        Assert.Equal("3,8,8|8,8,8|5,3,8,8", (string)Call("Lengths")!);
    }
}
