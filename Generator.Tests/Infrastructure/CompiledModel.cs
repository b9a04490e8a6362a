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
    public static CompiledModel Compile(string modelSource, string typeName)
    {
        string entry = $$"""
            public static class FusedNormTestEntry
            {
                public static void Forward(object model, float[] x, float[] y, int batch) => (({{typeName}})model).Forward(x, y, batch);
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

    public float[] Forward(float[] x, int batch)
    {
        var y = new float[batch * OutputSize];
        Invoke(_forward, null, _instance, x, y, batch);
        return y;
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
