using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace FusedNorm;

/// <summary>Where one tensor lives in a safetensors file.</summary>
public sealed record SafeTensorInfo(string Name, string DType, int[] Shape, long DataOffset, long ByteLength)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
    public override string ToString() => $"{Name}: {DType} [{string.Join(", ", Shape)}]";
}

/// <summary>
/// A safetensors file, as PyTorch's <c>safetensors.torch.save_file(model.state_dict(), path)</c> writes it:
/// an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to its dtype, shape and
/// data_offsets (relative to the end of the header), optional "__metadata__", then the raw little-endian data.
/// The whole file is read into memory and validated once; malformed input is an <see cref="InvalidDataException"/>.
/// </summary>
public sealed class SafeTensorsFile
{
    /// <summary>Headers larger than this are refused (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1,
        ["U64"] = 8, ["U32"] = 4, ["U16"] = 2, ["U8"] = 1, ["BOOL"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
    };

    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;

    public string SourceName { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    private SafeTensorsFile(byte[] bytes, string sourceName)
    {
        _bytes = bytes;
        SourceName = sourceName;
        (_dataStart, _tensors, Metadata) = ParseHeader(bytes, sourceName);
    }

    public static SafeTensorsFile Open(string path) => new(File.ReadAllBytes(path), Path.GetFileName(path));

    public static SafeTensorsFile FromBytes(byte[] bytes, string? sourceName = null) =>
        new(bytes ?? throw new ArgumentNullException(nameof(bytes)), sourceName ?? "safetensors data");

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public SafeTensorInfo GetInfo(string name) =>
        _tensors.TryGetValue(name, out SafeTensorInfo? info) ? info : throw Missing(name, "any dtype and shape");

    public float[] ReadFloat32(string name)
    {
        SafeTensorInfo info = Get(name, "F32", null);
        var values = new float[info.ElementCount];
        Copy(info, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public float[] ReadFloat32(string name, params int[] expectedShape)
    {
        SafeTensorInfo info = Get(name, "F32", expectedShape);
        var values = new float[info.ElementCount];
        Copy(info, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public void ReadFloat32(string name, Span<float> destination, params int[] expectedShape)
    {
        SafeTensorInfo info = Get(name, "F32", expectedShape);
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"Destination holds {destination.Length} floats; tensor '{name}' has {info.ElementCount}.", nameof(destination));
        Copy(info, MemoryMarshal.AsBytes(destination));
    }

    public long[] ReadInt64(string name)
    {
        SafeTensorInfo info = Get(name, "I64", null);
        var values = new long[info.ElementCount];
        Copy(info, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private void Copy(SafeTensorInfo info, Span<byte> destination)
    {
        _bytes.AsSpan((int)(_dataStart + info.DataOffset), (int)info.ByteLength).CopyTo(destination);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian.");
    }

    private SafeTensorInfo Get(string name, string dtype, int[]? expectedShape)
    {
        string expected = dtype + (expectedShape is null ? "" : $" [{string.Join(", ", expectedShape)}]");
        if (!_tensors.TryGetValue(name, out SafeTensorInfo? info)) throw Missing(name, expected);
        if (info.DType != dtype)
            throw new WeightLoadException(name,
                $"Tensor '{name}' in '{SourceName}' is {info.DType}; expected {expected}." +
                (dtype == "F32" ? " Save the state_dict of a float32 model (model.float()) to get F32 tensors." : ""));
        if (expectedShape is not null && !info.Shape.SequenceEqual(expectedShape))
            throw new WeightLoadException(name,
                $"Tensor '{name}' in '{SourceName}' has shape [{string.Join(", ", info.Shape)}]; expected {expected}. " +
                "Check that the model's attributes match the PyTorch module that wrote the file.");
        return info;
    }

    private WeightLoadException Missing(string name, string expected)
    {
        string[] names = _tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        string listing = names.Length == 0 ? "no tensors" : string.Join(", ", names.Take(12)) + (names.Length > 12 ? $", … ({names.Length} in all)" : "");
        return new WeightLoadException(name, $"Tensor '{name}' was not found in '{SourceName}'. Expected {expected}. The file has: {listing}.");
    }

    private static (long DataStart, Dictionary<string, SafeTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata)
        ParseHeader(byte[] bytes, string source)
    {
        InvalidDataException Bad(string what) => new($"'{source}' is not a valid safetensors file: {what}.");

        if (bytes.Length < 8) throw Bad($"it has {bytes.Length} bytes, fewer than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes) throw Bad($"the header length {headerLength} exceeds {MaxHeaderBytes} bytes");
        if (headerLength > (ulong)(bytes.Length - 8)) throw Bad($"the header length {headerLength} runs past the end of the {bytes.Length}-byte file");
        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;

        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(8, (int)headerLength))) throw Bad("the header is not valid UTF-8");
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw Bad("the header is not valid JSON (" + e.Message + ")"); }

        using (document)
        {
            try { return ReadEntries(document, dataStart, dataLength, Bad); }
            catch (InvalidOperationException e) { throw Bad("the header has a string that is not valid text (" + e.Message + ")"); }
        }
    }

    private static (long DataStart, Dictionary<string, SafeTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata)
        ReadEntries(JsonDocument document, long dataStart, long dataLength, Func<string, InvalidDataException> Bad)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad("the header is not a JSON object");
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind != JsonValueKind.Object) throw Bad("__metadata__ is not an object");
                foreach (JsonProperty entry in property.Value.EnumerateObject())
                {
                    if (entry.Value.ValueKind != JsonValueKind.String) throw Bad($"__metadata__ value '{entry.Name}' is not a string");
                    metadata[entry.Name] = entry.Value.GetString()!;
                }
                continue;
            }
            if (tensors.ContainsKey(property.Name)) throw Bad($"tensor '{property.Name}' appears twice");
            tensors[property.Name] = ParseTensor(property, dataLength, Bad);
        }
        CheckNoOverlap(tensors.Values, Bad);
        return (dataStart, tensors, metadata);
    }

    private static SafeTensorInfo ParseTensor(JsonProperty property, long dataLength, Func<string, InvalidDataException> bad)
    {
        string name = property.Name;
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object) throw bad($"the entry of '{name}' is not an object");

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw bad($"'{name}' has no string dtype");
        string dtype = dtypeElement.GetString()!;
        if (!DTypeSizes.TryGetValue(dtype, out int elementSize)) throw bad($"'{name}' has the unknown dtype '{dtype}'");

        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw bad($"'{name}' has no shape array");
        var shape = new List<int>();
        long elements = 1;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out int d) || d < 0)
                throw bad($"'{name}' has a shape entry that is not a non-negative 32-bit integer");
            shape.Add(d);
            elements *= d;
            if (elements > int.MaxValue) throw bad($"'{name}' has more elements than an array can hold");
        }

        if (!value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw bad($"'{name}' has no data_offsets pair");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
            throw bad($"'{name}' has data_offsets that are not integers");
        if (begin < 0 || end < begin || end > dataLength)
            throw bad($"'{name}' has data_offsets [{begin}, {end}] outside the {dataLength}-byte data section");
        if (end - begin != elements * elementSize)
            throw bad($"'{name}' is {dtype} [{string.Join(", ", shape)}], {elements * elementSize} bytes, but its data_offsets span {end - begin}");

        return new SafeTensorInfo(name, dtype, shape.ToArray(), begin, end - begin);
    }

    private static void CheckNoOverlap(IEnumerable<SafeTensorInfo> tensors, Func<string, InvalidDataException> bad)
    {
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo info in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataOffset))
        {
            if (previous is not null && info.DataOffset < previous.DataOffset + previous.ByteLength)
                throw bad($"the data of '{info.Name}' overlaps the data of '{previous.Name}'");
            previous = info;
        }
    }
}
