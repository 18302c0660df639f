using System.Buffers.Binary;
using System.Text;

namespace QuantServe.Engine.Tests.Checkpoints;

/// <summary>
/// Builds safetensors bytes by hand (8-byte little-endian length, JSON text, data), independently of
/// the writer, so that tests can feed the reader exactly the bytes they mean.
/// </summary>
public static class HandBuiltSafetensors
{
    public static byte[] Build(string headerJson, ReadOnlySpan<byte> data, int padTo = 1)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        int padded = (json.Length + padTo - 1) / padTo * padTo;
        var file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        data.CopyTo(file.AsSpan(8 + padded));
        return file;
    }

    public static byte[] Build(string headerJson, int dataBytes) => Build(headerJson, new byte[dataBytes]);

    public static string WriteFile(string path, string headerJson, ReadOnlySpan<byte> data)
    {
        File.WriteAllBytes(path, Build(headerJson, data));
        return path;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}
