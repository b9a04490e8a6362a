using System;
using System.Linq;
using System.Reflection;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// A model class generated and compiled inside the test. Spans cannot pass through reflection, so the test
/// source gets a small entry class that turns arrays into spans and calls the generated Forward.
/// </summary>
public sealed class CompiledModel
{
    private readonly object _instance;
    private readonly MethodInfo _forward;

    public Type Type { get; }
    public int InputSize { get; }
    public int OutputSize { get; }

    private CompiledModel(Type type, object instance, MethodInfo forward)
    {
        Type = type;
        _instance = instance;
        _forward = forward;
        InputSize = (int)type.GetField("InputSize")!.GetValue(null)!;
        OutputSize = (int)type.GetField("OutputSize")!.GetValue(null)!;
    }

    /// <param name="modelSource">C# source declaring the model class <paramref name="typeName"/> (namespace-qualified).</param>
    /// <param name="trainingMethod">The generated training-mode forward to expose, e.g. "ChainTraining".</param>
    public static CompiledModel Compile(string modelSource, string typeName, string? trainingMethod = null)
    {
        string training = trainingMethod is null ? "" :
            $"public static void Training(object model, float[] x, float[] y, int batch) => (({typeName})model).{trainingMethod}(x, y, batch);";
        string entry = $$"""
            public static class FusedNormTestEntry
            {
                public static void Forward(object model, float[] x, float[] y, int batch) => (({{typeName}})model).Forward(x, y, batch);
                {{training}}
            }
            """;
        Assembly assembly = GeneratorHarness.CompileAndLoad(modelSource, entry);
        Type type = assembly.GetType(typeName, throwOnError: true)!;
        object instance = Activator.CreateInstance(type)!;
        MethodInfo forward = assembly.GetType("FusedNormTestEntry")!.GetMethod("Forward")!;
        return new CompiledModel(type, instance, forward);
    }

    public void LoadWeights(SafeTensorsFile weights) =>
        Invoke(Type.GetMethod("LoadWeights", new[] { typeof(SafeTensorsFile) })!, _instance, weights);

    /// <summary>The generated LoadWeights(path): opens (maps) the file, loads, disposes it.</summary>
    public void LoadWeights(string path) =>
        Invoke(Type.GetMethod("LoadWeights", new[] { typeof(string) })!, _instance, path);

    /// <summary>The generated StateDictKeys: the names the model reads.</summary>
    public string[] StateDictKeys() => ((System.Collections.Generic.IReadOnlyList<string>)Type.GetProperty("StateDictKeys")!.GetValue(null)!).ToArray();

    public float[] Forward(float[] x, int batch)
    {
        var y = new float[batch * OutputSize];
        Invoke(_forward, null, _instance, x, y, batch);
        return y;
    }

    /// <summary>The generated training-mode forward (compile with its name).</summary>
    public float[] Training(float[] x, int batch)
    {
        var y = new float[batch * OutputSize];
        Invoke(_forward.DeclaringType!.GetMethod("Training")!, null, _instance, x, y, batch);
        return y;
    }

    /// <summary>The model's running statistics as the generated WriteRunningStatistics writes them.</summary>
    public SafeTensorsFile RunningStatistics()
    {
        var writer = new SafeTensorsWriter();
        Invoke(Type.GetMethod("WriteRunningStatistics")!, _instance, writer);
        return SafeTensorsFile.FromBytes(writer.ToArray(), "running statistics");
    }

    /// <summary>
    /// Forward with caller-provided buffers as a delegate, bound once: calling it allocates nothing of its own (unlike
    /// reflection's Invoke), so allocation tests see only what the generated code allocates.
    /// </summary>
    public Action<float[], float[], int> ForwardDelegate()
    {
        var forward = _forward.CreateDelegate<Action<object, float[], float[], int>>();
        object instance = _instance;
        return (x, y, batch) => forward(instance, x, y, batch);
    }

    /// <summary>Forward with caller-provided buffers, for tests of the argument checks.</summary>
    public void Forward(float[] x, float[] y, int batch) => Invoke(_forward, null, _instance, x, y, batch);

    private static void Invoke(MethodInfo method, object? target, params object[] args)
    {
        try { method.Invoke(target, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }
}
