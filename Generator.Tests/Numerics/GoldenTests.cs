using System;
using System.IO;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Generated kernels against PyTorch: each golden file (tools/GoldenGen, libtorch 2.10) holds a module's
/// state_dict, an input and PyTorch's eval-mode output. The test generates the same chain, compiles it,
/// loads that state_dict through the generated LoadWeights, and compares within 1e-4 abs + 1e-4 rel.
/// </summary>
[Trait("Category", "Numeric")]
public class GoldenTests
{
    public static string GoldenPath(string name) => Path.Combine(AppContext.BaseDirectory, "Goldens", name + ".safetensors");

    [Theory]
    [MemberData(nameof(ChainCases.Names), MemberType = typeof(ChainCases))]
    public void Chain_matches_PyTorch(string name)
    {
        ChainCase chain = ChainCases.Get(name);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenPath(name));
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName, chain.Training ? "ChainTraining" : null);
        model.LoadWeights(golden);

        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];
        Assert.Equal(batch * model.InputSize, input.Length);

        if (!chain.Training)
        {
            Tolerance.AssertClose(golden.ReadFloat32("output"), model.Forward(input, batch), name);
            return;
        }

        // PyTorch's module.train() forward, its updated running statistics, then eval mode with those statistics.
        Tolerance.AssertClose(golden.ReadFloat32("output"), model.Training(input, batch), name + " (training forward)");
        SafeTensorsFile running = model.RunningStatistics();
        foreach (string key in new[] { "bn.running_mean", "bn.running_var" })
            Tolerance.AssertClose(golden.ReadFloat32("after." + key), running.ReadFloat32(key), name + " " + key);
        // PyTorch's BatchNorm adds 1 to num_batches_tracked per training forward (TorchSharp's does not, so the
        // golden's "after" value cannot be used); InstanceNorm leaves it alone.
        long before = golden.ReadInt64("bn.num_batches_tracked")[0];
        Assert.Equal(before + (chain.NormKind!.IsBatchNorm ? 1 : 0), running.ReadInt64("bn.num_batches_tracked")[0]);
        Tolerance.AssertClose(golden.ReadFloat32("eval_output"), model.Forward(input, batch), name + " (eval after training)");
    }

    [Fact]
    public void LeNetBn_matches_PyTorch_logits()
    {
        string weights = Path.Combine(SampleModels.RepositoryRoot, "Sample", "weights");
        using SafeTensorsFile state = SafeTensorsFile.Open(Path.Combine(weights, "lenet_bn.safetensors"));
        using SafeTensorsFile reference = SafeTensorsFile.Open(Path.Combine(weights, "lenet_bn_reference.safetensors"));
        CompiledModel model = CompiledModel.Compile(SampleModels.LeNetBn, "FusedNorm.Sample.LeNetBn");
        model.LoadWeights(state);

        float[] input = reference.ReadFloat32("input");
        int batch = reference.GetInfo("input").Shape[0];
        float[] logits = model.Forward(input, batch);
        Tolerance.AssertClose(reference.ReadFloat32("logits"), logits, "LeNetBn logits");

        // Batch 1 gives the same numbers as the same sample inside a batch.
        float[] first = model.Forward(input.AsSpan(0, model.InputSize).ToArray(), 1);
        Assert.Equal(logits.AsSpan(0, model.OutputSize).ToArray(), first);
    }
}
