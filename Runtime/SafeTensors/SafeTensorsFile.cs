using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace FusedNorm;

/// <summary>Where one tensor lives in a safetensors file.</summary>
public sealed record SafeTensorInfo(string Name, string DType, int[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>The number of elements: the product of the shape.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
    /// <summary>name: dtype [shape].</summary>
    public override string ToString() => $"{Name}: {DType} [{string.Join(", ", Shape)}]";
}

/// <summary>
/// A safetensors file, as PyTorch's <c>safetensors.torch.save_file(model.state_dict(), path)</c> writes it:
/// an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to its dtype, shape and
/// data_offsets (relative to the end of the header), optional "__metadata__", then the raw little-endian data.
/// The header is parsed and validated once; malformed input is an <see cref="InvalidDataException"/>.
/// <see cref="Open"/> maps the file into memory and copies a tensor's bytes out of the view only when it is read
/// (every file, small ones too: one code path, and mapping costs a few system calls, not a copy of the file), so
/// dispose it when done. <see cref="FromBytes"/> reads from an array the caller owns.
/// Float reads accept F32, and F16, BF16 and F64, which are converted to float32 as PyTorch's <c>tensor.float()</c> does.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>Headers larger than this are refused (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The dtypes a float read accepts: F32 as is, the others converted to float32.</summary>
    public static IReadOnlyList<string> FloatDTypes { get; } = new[] { "F32", "F16", "BF16", "F64" };

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1,
        ["U64"] = 8, ["U32"] = 4, ["U16"] = 2, ["U8"] = 1, ["BOOL"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
    };

    /// <summary>Elements converted per step from F16/BF16/F64: a stack buffer of at most 4 KiB.</summary>
    private const int ConvertChunk = 512;

    private readonly byte[]? _bytes;                    // FromBytes
    private readonly MemoryMappedFile? _map;            // Open
    private readonly MemoryMappedViewAccessor? _view;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;
    private bool _disposed;

    /// <summary>The file's path, or a name given to bytes, for messages.</summary>
    public string SourceName { get; }
    /// <summary>The header's __metadata__ strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Every tensor's name (the state_dict keys).</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    private SafeTensorsFile(byte[] bytes, string sourceName)
    {
        _bytes = bytes;
        SourceName = sourceName;
        ulong headerLength = ReadHeaderLength(bytes, bytes.Length, sourceName);
        (_dataStart, _tensors, Metadata) = ParseHeader(bytes.AsMemory(8, (int)headerLength), bytes.Length, sourceName);
    }

    private SafeTensorsFile(MemoryMappedFile map, MemoryMappedViewAccessor view, long fileLength, string sourceName)
    {
        _map = map;
        _view = view;
        SourceName = sourceName;
        Span<byte> prefix = stackalloc byte[8];
        if (fileLength >= 8) Read(0, prefix);
        ulong headerLength = ReadHeaderLength(prefix, fileLength, sourceName);
        var header = new byte[headerLength]; // the JSON only, never the data
        Read(8, header);
        (_dataStart, _tensors, Metadata) = ParseHeader(header, fileLength, sourceName);
    }

    /// <summary>Maps the file read-only and parses its header; tensors are read from the mapped view on demand. Dispose it when done.</summary>
    public static SafeTensorsFile Open(string path)
    {
        string source = Path.GetFileName(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length < 8)
        {
            // An empty file cannot be mapped; any file this short is invalid anyway.
            stream.Dispose();
            throw new InvalidDataException($"'{source}' is not a valid safetensors file: it has {length} bytes, fewer than the 8-byte header length.");
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafeTensorsFile(map, view, length, source);
        }
        catch
        {
            view?.Dispose();
            if (map is not null) map.Dispose(); else stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads safetensors data already in memory; <paramref name="sourceName"/> names it in messages.</summary>
    public static SafeTensorsFile FromBytes(byte[] bytes, string? sourceName = null) =>
        new(bytes ?? throw new ArgumentNullException(nameof(bytes)), sourceName ?? "safetensors data");

    /// <summary>Unmaps a file from <see cref="Open"/>; reading a tensor afterwards throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view?.Dispose();
        _map?.Dispose();
    }

    /// <summary>Whether the file has a tensor of that name.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The dtype, shape and place of a tensor; throws <see cref="WeightLoadException"/> naming the closest keys when it is missing.</summary>
    public SafeTensorInfo GetInfo(string name) =>
        _tensors.TryGetValue(name, out SafeTensorInfo? info) ? info : throw Missing(name, "any dtype and shape");

    /// <summary>A float tensor (F32, F16, BF16 or F64) as float32 values.</summary>
    public float[] ReadFloat32(string name)
    {
        SafeTensorInfo info = GetFloat(name, null);
        var values = new float[info.ElementCount];
        ReadFloats(info, values);
        return values;
    }

    /// <summary>A float tensor (F32, F16, BF16 or F64) of the given shape as float32 values.</summary>
    public float[] ReadFloat32(string name, params int[] expectedShape)
    {
        SafeTensorInfo info = GetFloat(name, expectedShape);
        var values = new float[info.ElementCount];
        ReadFloats(info, values);
        return values;
    }

    /// <summary>A float tensor (F32, F16, BF16 or F64) of the given shape, as float32 values, into <paramref name="destination"/>.</summary>
    public void ReadFloat32(string name, Span<float> destination, params int[] expectedShape)
    {
        SafeTensorInfo info = GetFloat(name, expectedShape);
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"Destination holds {destination.Length} floats; tensor '{name}' has {info.ElementCount}.", nameof(destination));
        ReadFloats(info, destination);
    }

    /// <summary>An I64 tensor (such as num_batches_tracked) as longs.</summary>
    public long[] ReadInt64(string name)
    {
        SafeTensorInfo info = Get(name, "I64", null);
        var values = new long[info.ElementCount];
        ReadElements<long>(info, 0, values);
        return values;
    }

    private void ReadFloats(SafeTensorInfo info, Span<float> destination)
    {
        switch (info.DType)
        {
            case "F32": ReadElements(info, 0, destination); break;
            case "F16": Widen<Half, FromHalf>(info, destination); break;
            case "BF16": Widen<ushort, FromBFloat16>(info, destination); break;
            case "F64": Widen<double, FromDouble>(info, destination); break;
            default: throw new InvalidOperationException($"'{info.DType}' is not a float dtype."); // GetFloat refused it
        }
    }

    /// <summary>Converts a tensor to float32 a chunk at a time through a stack buffer: no array of the source dtype.</summary>
    private void Widen<TSource, TWiden>(SafeTensorInfo info, Span<float> destination)
        where TSource : unmanaged where TWiden : IWiden<TSource>
    {
        Span<TSource> chunk = stackalloc TSource[ConvertChunk];
        for (int start = 0; start < destination.Length; start += ConvertChunk)
        {
            Span<TSource> source = chunk[..Math.Min(ConvertChunk, destination.Length - start)];
            ReadElements<TSource>(info, start, source);
            Span<float> target = destination.Slice(start, source.Length);
            for (int i = 0; i < source.Length; i++) target[i] = TWiden.Widen(source[i]);
        }
    }

    private interface IWiden<T> { static abstract float Widen(T value); }

    /// <summary>IEEE half to float: exact for every half, subnormals, ±∞ and NaN included.</summary>
    private readonly struct FromHalf : IWiden<Half> { public static float Widen(Half value) => (float)value; }

    /// <summary>bfloat16 is the upper 16 bits of a float32: exact.</summary>
    private readonly struct FromBFloat16 : IWiden<ushort> { public static float Widen(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16); }

    /// <summary>Double to float rounds to nearest even; beyond float's range it is ±∞, as PyTorch's <c>tensor.float()</c>.</summary>
    private readonly struct FromDouble : IWiden<double> { public static float Widen(double value) => (float)value; }

    /// <summary>Copies <paramref name="destination"/>.Length elements of the tensor, from element <paramref name="first"/> on.</summary>
    private void ReadElements<T>(SafeTensorInfo info, long first, Span<T> destination) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian.");
        long offset = _dataStart + info.DataOffset + first * Unsafe.SizeOf<T>();
        if (_bytes is not null)
            MemoryMarshal.Cast<byte, T>(_bytes.AsSpan((int)offset, destination.Length * Unsafe.SizeOf<T>())).CopyTo(destination);
        else
            Read(offset, destination);
    }

    /// <summary>Copies from the mapped view at a file offset (the view's handle counts the read, so a concurrent Dispose cannot unmap under it).</summary>
    private void Read<T>(long fileOffset, Span<T> destination) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _view!.SafeMemoryMappedViewHandle.ReadSpan((ulong)(_view.PointerOffset + fileOffset), destination);
    }

    private SafeTensorInfo GetFloat(string name, int[]? expectedShape)
    {
        string expected = "F32" + (expectedShape is null ? "" : $" [{string.Join(", ", expectedShape)}]");
        if (!_tensors.TryGetValue(name, out SafeTensorInfo? info)) throw Missing(name, expected);
        if (!FloatDTypes.Contains(info.DType))
            throw new WeightLoadException(name,
                $"Tensor '{name}' in '{SourceName}' is {info.DType}; expected {expected} (F16, BF16 and F64 are accepted too and converted to float32). " +
                "Save the state_dict of a float model (model.float()) to get float tensors.");
        return CheckShape(info, expected, expectedShape);
    }

    private SafeTensorInfo Get(string name, string dtype, int[]? expectedShape)
    {
        string expected = dtype + (expectedShape is null ? "" : $" [{string.Join(", ", expectedShape)}]");
        if (!_tensors.TryGetValue(name, out SafeTensorInfo? info)) throw Missing(name, expected);
        if (info.DType != dtype)
            throw new WeightLoadException(name, $"Tensor '{name}' in '{SourceName}' is {info.DType}; expected {expected}.");
        return CheckShape(info, expected, expectedShape);
    }

    private SafeTensorInfo CheckShape(SafeTensorInfo info, string expected, int[]? expectedShape)
    {
        if (expectedShape is not null && !info.Shape.SequenceEqual(expectedShape))
            throw new WeightLoadException(info.Name,
                $"Tensor '{info.Name}' in '{SourceName}' has shape [{string.Join(", ", info.Shape)}]; expected {expected}. " +
                "Check that the model's attributes match the PyTorch module that wrote the file.");
        return info;
    }

    private WeightLoadException Missing(string name, string expected)
    {
        string[] closest = TensorNameSimilarity.Closest(name, _tensors.Keys, 3);
        string hint = closest.Length switch
        {
            0 => "The file has no tensors.",
            1 => $"Did you mean '{closest[0]}'? The file has 1 tensor.",
            _ => $"Did you mean '{closest[0]}'? Next closest: {string.Join(", ", closest.Skip(1).Select(n => $"'{n}'"))}. The file has {_tensors.Count} tensors.",
        };
        return new WeightLoadException(name, $"Tensor '{name}' was not found in '{SourceName}'. Expected {expected}. {hint}");
    }

    private static ulong ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string source)
    {
        if (fileLength < 8) throw Bad(source, $"it has {fileLength} bytes, fewer than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes) throw Bad(source, $"the header length {headerLength} exceeds {MaxHeaderBytes} bytes");
        if (headerLength > (ulong)(fileLength - 8)) throw Bad(source, $"the header length {headerLength} runs past the end of the {fileLength}-byte file");
        return headerLength;
    }

    private static InvalidDataException Bad(string source, string what) => new($"'{source}' is not a valid safetensors file: {what}.");

    /// <summary>Parses the JSON header (the bytes after the length prefix) of a file of <paramref name="fileLength"/> bytes.</summary>
    private static (long DataStart, Dictionary<string, SafeTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata)
        ParseHeader(ReadOnlyMemory<byte> header, long fileLength, string source)
    {
        InvalidDataException BadHeader(string what) => Bad(source, what);

        long dataStart = 8 + (long)header.Length;
        long dataLength = fileLength - dataStart;

        if (!System.Text.Unicode.Utf8.IsValid(header.Span)) throw BadHeader("the header is not valid UTF-8");
        JsonDocument document;
        try { document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw BadHeader("the header is not valid JSON (" + e.Message + ")"); }

        using (document)
        {
            try { return ReadEntries(document, dataStart, dataLength, BadHeader); }
            catch (InvalidOperationException e) { throw BadHeader("the header has a string that is not valid text (" + e.Message + ")"); }
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
