using System.Linq;
using FusedNorm;
using TorchSharp;
using static TorchSharp.torch;

namespace GoldenGen;

internal static class Tensors
{
    /// <summary>Adds a tensor under its state_dict name, as F32 or I64 like PyTorch's safetensors writer.</summary>
    public static void Add(SafeTensorsWriter writer, string name, Tensor tensor)
    {
        using Tensor t = tensor.detach().contiguous().cpu();
        int[] shape = t.shape.Select(d => (int)d).ToArray();
        if (t.dtype == ScalarType.Int64) writer.Add(name, t.data<long>().ToArray(), shape);
        else writer.Add(name, t.to_type(ScalarType.Float32).data<float>().ToArray(), shape);
    }
}
