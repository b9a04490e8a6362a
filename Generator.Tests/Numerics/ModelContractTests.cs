using System;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>What a user of a generated model relies on besides the numbers: clear errors for wrong weights and wrong spans.</summary>
public class ModelContractTests
{
    private static readonly ChainCase Chain = ChainCases.Get("conv_bn_relu"); // Conv2d(3→8, k3, p1) + BN + ReLU on 3×9×11

    private static SafeTensorsWriter CompleteWeights()
    {
        var w = new SafeTensorsWriter();
        w.Add("conv.weight", new float[8 * 3 * 3 * 3], 8, 3, 3, 3);
        w.Add("conv.bias", new float[8], 8);
        w.Add("bn.weight", Enumerable.Repeat(1f, 8).ToArray(), 8);
        w.Add("bn.bias", new float[8], 8);
        w.Add("bn.running_mean", new float[8], 8);
        w.Add("bn.running_var", Enumerable.Repeat(1f, 8).ToArray(), 8);
        w.Add("bn.num_batches_tracked", new long[] { 1 });
        return w;
    }

    private static readonly Lazy<CompiledModel> Model = new(() => CompiledModel.Compile(Chain.Source(), Chain.TypeName));

    [Fact]
    public void Missing_tensor_names_the_tensor_and_expected_shape()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("conv.weight", new float[8 * 27], 8, 3, 3, 3);
        writer.Add("conv.bias", new float[8], 8);
        var e = Assert.Throws<WeightLoadException>(() => Model.Value.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray(), "net.safetensors")));
        Assert.Equal("bn.weight", e.TensorName);
        Assert.Contains("'bn.weight' was not found in 'net.safetensors'", e.Message);
        Assert.Contains("F32 [8]", e.Message);
        Assert.Contains("conv.weight", e.Message); // lists what the file has
    }

    [Fact]
    public void Wrong_shape_names_the_tensor_expected_and_actual_shapes()
    {
        var writer = CompleteWeights();
        writer.Add("conv.weight", new float[8 * 3 * 5 * 5], 8, 3, 5, 5);
        var e = Assert.Throws<WeightLoadException>(() => Model.Value.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray())));
        Assert.Equal("conv.weight", e.TensorName);
        Assert.Contains("[8, 3, 5, 5]", e.Message);
        Assert.Contains("expected F32 [8, 3, 3, 3]", e.Message);
    }

    [Fact]
    public void Wrong_dtype_names_the_tensor_and_dtypes()
    {
        var writer = CompleteWeights();
        writer.Add("bn.running_var", new long[8], 8);
        var e = Assert.Throws<WeightLoadException>(() => Model.Value.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray())));
        Assert.Equal("bn.running_var", e.TensorName);
        Assert.Contains("is I64; expected F32 [8]", e.Message);
    }

    [Fact]
    public void Forward_before_loading_says_to_load_weights()
    {
        var fresh = CompiledModel.Compile(Chain.Source().Replace("ConvBnRelu", "ConvBnReluUnloaded"), Chain.TypeName + "Unloaded");
        var e = Assert.Throws<InvalidOperationException>(() => fresh.Forward(new float[fresh.InputSize], 1));
        Assert.Contains("LoadWeights", e.Message);
    }

    [Theory]
    [InlineData(1, 296, 792, "x must hold batch × (3, 9, 11) = 1 × 297 = 297 floats, but it holds 296")]
    [InlineData(2, 594, 791, "y must hold batch × (8, 9, 11) = 2 × 792 = 1584 floats, but it holds 791")]
    public void Wrong_span_lengths_name_the_expected_shape(int batch, int xLength, int yLength, string expected)
    {
        Model.Value.LoadWeights(SafeTensorsFile.FromBytes(CompleteWeights().ToArray()));
        var e = Assert.Throws<ArgumentException>(() => Model.Value.Forward(new float[xLength], new float[yLength], batch));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Non_positive_batch_is_rejected(int batch)
    {
        Model.Value.LoadWeights(SafeTensorsFile.FromBytes(CompleteWeights().ToArray()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Model.Value.Forward(new float[297], new float[792], batch));
    }

    [Theory]
    [InlineData(0)]    // y starts where x starts
    [InlineData(296)]  // y starts on x's last element
    public void Overlapping_x_and_y_are_rejected_before_any_write(int yOffset)
    {
        // Spans cannot pass through reflection: the entry slices one buffer into overlapping x and y itself.
        string entry = $$"""
            public static class OverlapEntry
            {
                public static void Run(object model, float[] buffer, int yOffset) =>
                    (({{Chain.TypeName}}Overlap)model).Forward(new System.ReadOnlySpan<float>(buffer, 0, 297), new System.Span<float>(buffer, yOffset, 792), 1);
            }
            """;
        var assembly = GeneratorHarness.CompileAndLoad(Chain.Source().Replace("ConvBnRelu", "ConvBnReluOverlap"), entry);
        object model = Activator.CreateInstance(assembly.GetType(Chain.TypeName + "Overlap")!)!;
        model.GetType().GetMethod("LoadWeights", new[] { typeof(SafeTensorsFile) })!.Invoke(model, new object[] { SafeTensorsFile.FromBytes(CompleteWeights().ToArray()) });
        float[] buffer = Enumerable.Range(0, 297 + 792).Select(i => (float)i).ToArray();
        float[] before = (float[])buffer.Clone();

        var e = Assert.Throws<System.Reflection.TargetInvocationException>(() =>
            assembly.GetType("OverlapEntry")!.GetMethod("Run")!.Invoke(null, new object[] { model, buffer, yOffset }));
        var argument = Assert.IsType<ArgumentException>(e.InnerException);
        Assert.Contains("x and y overlap", argument.Message);
        Assert.Equal("y", argument.ParamName);
        Assert.Equal(before, buffer);
    }
}
