using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace FusedNorm;

/// <summary>Writes F32, F16, BF16, F64 and I64 tensors in the safetensors format (tensors in name order, header padded to 8 bytes).</summary>
public sealed class SafeTensorsWriter
{
    private readonly SortedDictionary<string, (string DType, int[] Shape, byte[] Data)> _tensors = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Adds an F32 tensor of the given shape.</summary>
    public void Add(string name, float[] data, params int[] shape) => Add(name, "F32", shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.Length);
    /// <summary>Adds an I64 tensor of the given shape.</summary>
    public void Add(string name, long[] data, params int[] shape) => Add(name, "I64", shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.Length);
    /// <summary>Adds an F16 tensor of the given shape.</summary>
    public void Add(string name, Half[] data, params int[] shape) => Add(name, "F16", shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.Length);
    /// <summary>Adds an F64 tensor of the given shape.</summary>
    public void Add(string name, double[] data, params int[] shape) => Add(name, "F64", shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.Length);

    /// <summary>A BF16 tensor, given as its raw bit patterns (the upper 16 bits of each float32; .NET has no bfloat16 type).</summary>
    public void AddBFloat16(string name, ushort[] bits, params int[] shape) => Add(name, "BF16", shape, MemoryMarshal.AsBytes(bits.AsSpan()).ToArray(), bits.Length);

    /// <summary>Sets a string of the header's __metadata__.</summary>
    public void SetMetadata(string key, string value) => _metadata[key] = value;

    private void Add(string name, string dtype, int[] shape, byte[] bytes, int count)
    {
        if (string.IsNullOrEmpty(name) || name == "__metadata__") throw new ArgumentException($"'{name}' is not a usable tensor name.", nameof(name));
        if (shape.Any(d => d < 0) || shape.Aggregate(1L, (a, d) => a * d) != count)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] does not hold the {count} values given for '{name}'.", nameof(shape));
        _tensors[name] = (dtype, (int[])shape.Clone(), bytes);
    }

    /// <summary>The file's bytes: header, then the tensors in the order added.</summary>
    public byte[] ToArray()
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (_metadata.Count > 0)
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in _metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in _tensors)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", tensor.DType);
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.Data.Length;
            }
            writer.WriteEndObject();
        }
        byte[] header = json.ToArray();
        int padded = (header.Length + 7) / 8 * 8;

        using var output = new MemoryStream();
        output.Write(BitConverter.GetBytes((ulong)padded));
        output.Write(header);
        for (int i = header.Length; i < padded; i++) output.WriteByte((byte)' ');
        foreach (var tensor in _tensors.Values) output.Write(tensor.Data);
        return output.ToArray();
    }

    /// <summary>The file's bytes: header, then the tensors in the order added.</summary>
    public void Save(string path) => File.WriteAllBytes(path, ToArray());
}
