using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// What RyuJIT looks at before it decides to compile a method with minimal optimizations (compiler.cpp,
/// compSetOptimizationLevel): IL size, IL instruction count, basic blocks, locals and local references.
/// <see cref="BasicBlocks"/> is an estimate from the IL (branches + distinct branch targets + exception regions + 1);
/// <see cref="Locals"/> + <see cref="Arguments"/> is what the JIT's lvaCount starts from before its own temps.
/// </summary>
public sealed record MethodIlMetrics(string Name, int IlSize, int Instructions, int Locals, int Arguments, int LocalReferences, int BasicBlocks)
{
    public override string ToString() =>
        $"{Name}: IL {IlSize:N0} B, {Instructions:N0} instructions, {BasicBlocks:N0} blocks, {Locals:N0} locals + {Arguments} args, {LocalReferences:N0} local refs";
}

/// <summary>Reads every method body of an emitted assembly with System.Reflection.Metadata and measures it.</summary>
public static class IlMetrics
{
    public static IReadOnlyList<MethodIlMetrics> Read(byte[] assembly) => Read(new MemoryStream(assembly, writable: false));

    public static IReadOnlyList<MethodIlMetrics> Read(Stream assembly)
    {
        using var pe = new PEReader(assembly, PEStreamOptions.LeaveOpen | PEStreamOptions.PrefetchEntireImage);
        MetadataReader md = pe.GetMetadataReader();
        var result = new List<MethodIlMetrics>();
        foreach (MethodDefinitionHandle handle in md.MethodDefinitions)
        {
            MethodDefinition method = md.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0) continue; // abstract, extern, or a partial declaration without a body
            MethodBodyBlock body = pe.GetMethodBody(method.RelativeVirtualAddress);
            result.Add(Measure(md, method, body));
        }
        return result;
    }

    private static MethodIlMetrics Measure(MetadataReader md, MethodDefinition method, MethodBodyBlock body)
    {
        int locals = 0;
        if (!body.LocalSignature.IsNil)
        {
            BlobReader sig = md.GetBlobReader(md.GetStandaloneSignature(body.LocalSignature).Signature);
            if (sig.ReadByte() != 0x07) throw new BadImageFormatException("A local signature starts with 0x07.");
            locals = sig.ReadCompressedInteger();
        }

        BlobReader methodSig = md.GetBlobReader(method.Signature);
        SignatureHeader header = methodSig.ReadSignatureHeader();
        if (header.IsGeneric) methodSig.ReadCompressedInteger(); // generic parameter count
        int arguments = methodSig.ReadCompressedInteger() + (header.IsInstance ? 1 : 0);

        byte[] il = body.GetILBytes() ?? Array.Empty<byte>();
        int instructions = 0, localReferences = 0, branches = 0;
        var targets = new HashSet<int>();
        int at = 0;
        while (at < il.Length)
        {
            OpCode op = il[at] == 0xFE ? TwoByte[il[at + 1]] : OneByte[il[at]];
            if (op.Size == 0) throw new BadImageFormatException($"Unknown opcode 0x{il[at]:X2} at IL_{at:X4} of {NameOf(md, method)}.");
            int operand = at + op.Size;
            int next = operand + OperandSize(op.OperandType, il, operand);
            instructions++;
            if (IsLocalReference(op)) localReferences++;
            switch (op.OperandType)
            {
                case OperandType.ShortInlineBrTarget:
                    branches++;
                    targets.Add(next + (sbyte)il[operand]);
                    break;
                case OperandType.InlineBrTarget:
                    branches++;
                    targets.Add(next + BitConverter.ToInt32(il, operand));
                    break;
                case OperandType.InlineSwitch:
                    branches++;
                    int cases = BitConverter.ToInt32(il, operand);
                    for (int i = 0; i < cases; i++) targets.Add(next + BitConverter.ToInt32(il, operand + 4 + 4 * i));
                    break;
            }
            at = next;
        }
        if (at != il.Length) throw new BadImageFormatException($"The last instruction of {NameOf(md, method)} runs past its IL.");
        int blocks = branches + targets.Count + body.ExceptionRegions.Length + 1;
        return new MethodIlMetrics(NameOf(md, method), il.Length, instructions, locals, arguments, localReferences, blocks);
    }

    /// <summary>ldloc*, stloc*, ldloca*, ldarg*, starg*, ldarga*, in their short, long and numbered forms.</summary>
    private static bool IsLocalReference(OpCode op) =>
        op.Name!.StartsWith("ldloc", StringComparison.Ordinal) || op.Name.StartsWith("stloc", StringComparison.Ordinal) ||
        op.Name.StartsWith("ldarg", StringComparison.Ordinal) || op.Name.StartsWith("starg", StringComparison.Ordinal);

    private static int OperandSize(OperandType type, byte[] il, int operand) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, operand),
        _ => 4, // InlineBrTarget, InlineField, InlineI, InlineMethod, InlineSig, InlineString, InlineTok, InlineType, ShortInlineR
    };

    /// <summary>Namespace.Type(.Nested).Method, the way the metadata spells each type.</summary>
    private static string NameOf(MetadataReader md, MethodDefinition method)
    {
        var parts = new List<string> { md.GetString(method.Name) };
        TypeDefinitionHandle type = method.GetDeclaringType();
        while (!type.IsNil)
        {
            TypeDefinition t = md.GetTypeDefinition(type);
            parts.Add(md.GetString(t.Name));
            TypeDefinitionHandle outer = t.GetDeclaringType();
            if (outer.IsNil && !t.Namespace.IsNil) parts.Add(md.GetString(t.Namespace));
            type = outer;
        }
        parts.Reverse();
        return string.Join(".", parts.Where(p => p.Length > 0));
    }

    // Every opcode System.Reflection.Emit knows, by its first byte, or its second after the 0xFE prefix.
    private static readonly OpCode[] OneByte = new OpCode[256], TwoByte = new OpCode[256];

    static IlMetrics()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is not OpCode op) continue;
            ushort value = unchecked((ushort)op.Value);
            if (op.Size == 1) OneByte[value] = op;
            else TwoByte[value & 0xFF] = op;
        }
    }
}
