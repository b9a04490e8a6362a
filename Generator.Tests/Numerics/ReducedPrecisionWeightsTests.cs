using System;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using FusedNorm.Tests.Runtime;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// A state_dict saved in half or bfloat16 (model.half().state_dict(), model.bfloat16().state_dict()) loads through the
/// generated LoadWeights(path) as those values widened to float32: the model's output is bit-identical to the same model
/// loaded from an F32 file holding the widened values.
/// </summary>
[Trait("Category", "Numeric")]
public class ReducedPrecisionWeightsTests
{
    private static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value); // finite weights: round to nearest even, as torch's .bfloat16()
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    [Theory]
    [InlineData("conv_bn_relu")]    // BatchNorm folded into the conv at load
    [InlineData("conv_gn_silu")]    // GroupNorm's affine read as is
    [InlineData("linear_ln_gelu")]  // Linear + LayerNorm
    public void Half_and_bfloat16_weights_give_the_output_of_their_float32_widening(string name)
    {
        ChainCase chain = ChainCases.Get(name);
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(name));
        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];

        var f16 = new SafeTensorsWriter();
        var f16Widened = new SafeTensorsWriter();
        var bf16 = new SafeTensorsWriter();
        var bf16Widened = new SafeTensorsWriter();
        int converted = 0;
        foreach (string key in model.StateDictKeys().Where(golden.Contains))
        {
            SafeTensorInfo info = golden.GetInfo(key);
            if (info.DType == "I64")
            {
                foreach (var w in new[] { f16, f16Widened, bf16, bf16Widened }) w.Add(key, golden.ReadInt64(key), info.Shape);
                continue;
            }
            float[] values = golden.ReadFloat32(key);
            Half[] halves = values.Select(v => (Half)v).ToArray();
            ushort[] brains = values.Select(ToBFloat16).ToArray();
            f16.Add(key, halves, info.Shape);
            f16Widened.Add(key, halves.Select(h => (float)h).ToArray(), info.Shape);
            bf16.AddBFloat16(key, brains, info.Shape);
            bf16Widened.Add(key, brains.Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray(), info.Shape);
            converted++;
        }
        Assert.True(converted >= 3, $"only {converted} float tensors in {name}");

        model.LoadWeights(golden);
        int[] full = Bits(model.Forward(input, batch));
        foreach (var (reduced, widened, dtype) in new[] { (f16, f16Widened, "F16"), (bf16, bf16Widened, "BF16") })
        {
            using var file = new SafeTensorsTests.TempFile(reduced.ToArray(), $"{name}_{dtype}.safetensors");
            using (SafeTensorsFile check = SafeTensorsFile.Open(file.Path))
                Assert.All(model.StateDictKeys().Where(check.Contains).Select(check.GetInfo).Where(i => i.DType != "I64"), i => Assert.Equal(dtype, i.DType));

            model.LoadWeights(file.Path);  // the generated LoadWeights(path): mapped, converted, disposed
            int[] fromReduced = Bits(model.Forward(input, batch));
            if (OperatingSystem.IsLinux()) Assert.DoesNotContain(file.Path, File.ReadAllText("/proc/self/maps"));
            model.LoadWeights(SafeTensorsFile.FromBytes(widened.ToArray()));
            int[] fromWidened = Bits(model.Forward(input, batch));

            Assert.Equal(fromWidened, fromReduced);
            Assert.NotEqual(full, fromReduced); // the rounding reaches the output: the files really differ from F32
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
