using System;
using System.Text;

namespace FusedNorm.Generator.Emit;

/// <summary>Indented text output; every emitter writes through one of these.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public SourceWriter Line(string line = "")
    {
        foreach (string part in line.Split('\n'))
        {
            if (part.Length > 0) _text.Append(' ', _indent * 4).Append(part);
            _text.Append('\n');
        }
        return this;
    }

    public SourceWriter Comment(string comment) => Line("// " + comment);

    public SourceWriter Open(string header)
    {
        if (header.Length > 0) Line(header);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    /// <summary>Opens a brace block and closes it when the returned scope is disposed.</summary>
    public Scope Block(string header)
    {
        Open(header);
        return new Scope(this);
    }

    public readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;
        public Scope(SourceWriter writer) => _writer = writer;
        public void Dispose() => _writer.Close();
    }

    public override string ToString() => _text.ToString();
}
