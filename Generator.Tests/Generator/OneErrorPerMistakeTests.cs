using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// A model the generator cannot generate still gets a body for every partial chain method (and Forward, LoadWeights,
/// FromSafetensors), each throwing with the FN IDs, so the build shows the FN errors and nothing else.
/// </summary>
public class OneErrorPerMistakeTests
{
    private const string Signature = "(ReadOnlySpan<float> x, Span<float> y, int batch);";

    /// <summary>Five chains; the third lists its layers in the wrong order (FN0005).</summary>
    private static readonly string FiveChains = $$"""
        using System;
        using FusedNorm;
        namespace Tests;
        [Model(3, 16, 16)]
        public sealed partial class Net
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = "c1")] [BatchNorm(Name = "b1")]
            public partial void S1{{Signature}}
            [Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = "c2")]
            public partial void S2{{Signature}}
            [Fuse(Layer.Conv2d, Layer.ReLU, Layer.ReLU)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = "c3")]
            public partial void S3{{Signature}}
            [Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = "c4")]
            internal partial void S4{{Signature}}
            [Fuse(Layer.Linear)] [Linear(10, Name = "fc")]
            public partial void S5{{Signature}}
        }
        public static class Use
        {
            public static void Run(float[] x, float[] y) { var net = Net.FromSafetensors("w.safetensors"); net.Forward(x, y, 1); }
            public static void Chain(float[] x, float[] y) => new Net().S2(x, y, 1);
        }
        """;

    [Fact]
    public void A_wrong_layer_order_in_one_of_five_chains_is_one_error()
    {
        var run = GeneratorHarness.RunGenerator(FiveChains);
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Concat(run.CompileErrors).ToList();
        Assert.True(errors.Count == 1, "expected only FN0005, got:\n" + string.Join("\n", errors));
        Assert.Equal("FN0005", errors[0].Id);
    }

    [Fact]
    public void The_bodies_throw_naming_the_error()
    {
        var run = GeneratorHarness.RunGenerator(FiveChains);
        using var stream = new MemoryStream();
        Assert.True(run.Output.Emit(stream).Success);
        stream.Position = 0;
        var context = new AssemblyLoadContext("OneErrorPerMistake", isCollectible: true);
        Assembly assembly = context.LoadFromStream(stream);
        MethodInfo chain = assembly.GetType("Tests.Use")!.GetMethod("Chain")!;
        var thrown = Assert.Throws<TargetInvocationException>(() => chain.Invoke(null, new object[] { new float[768], new float[2048] }));
        var inner = Assert.IsType<InvalidOperationException>(thrown.InnerException);
        Assert.Contains("FN0005", inner.Message);
        Assert.Contains("Net", inner.Message);
        context.Unload();
    }

    /// <summary>A shape error found by the planner (not the parser) leaves the same single error.</summary>
    [Fact]
    public void A_shape_mistake_is_one_error()
    {
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Tests;
            [Model(3, 16, 16)]
            public sealed partial class Net
            {
                [Fuse(Layer.Conv2d, Layer.BatchNorm2d)] [Conv2d(8, KernelSize = 3, Name = "c1")] [BatchNorm(NumFeatures = 6, Name = "b1")]
                public partial void S1{{Signature}}
                [Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Name = "c2")]
                public partial void S2{{Signature}}
            }
            """;
        var run = GeneratorHarness.RunGenerator(source);
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Concat(run.CompileErrors).ToList();
        Assert.True(errors.Count == 1, "expected one FN error, got:\n" + string.Join("\n", errors));
        Assert.StartsWith("FN", errors[0].Id);
    }
}
