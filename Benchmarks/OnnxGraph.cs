using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using Onnx;

namespace FusedNorm.Benchmarks;

/// <summary>Builds an ONNX graph in code (OnnxSharp's protobuf types): nodes, initializers, fixed-shape input and output.</summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto _graph = new() { Name = "workload" };
    private int _next;

    public string Fresh(string prefix) => $"{prefix}_{_next++}";

    public string Initializer(string name, float[] data, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>(data).ToArray());
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Initializer(string name, long[] data)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(data.Length);
        tensor.Int64Data.AddRange(data);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Node(string op, string[] inputs, params AttributeProto[] attributes)
    {
        string output = Fresh(op.ToLowerInvariant());
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
    public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public void Input(string name, params long[] dims) => _graph.Input.Add(Value(name, dims));
    public void Output(string name, params long[] dims) => _graph.Output.Add(Value(name, dims));

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public byte[] ToBytes(int opset = 20)
    {
        var model = new ModelProto { IrVersion = 9, Graph = _graph, ProducerName = "FusedNorm.Benchmarks" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }
}
