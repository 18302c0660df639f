using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

/// <summary>
/// Seeded fuzzing of the header parser: whatever the bytes, the result is a header whose tensors lie
/// inside the file and tile the data buffer, or a <see cref="SafetensorsException"/>; never another
/// exception. Iteration counts are fixed and inputs small, so the run time is bounded.
/// </summary>
public class SafetensorsHeaderFuzzTests
{
    private const string FileName = "fuzz.safetensors";

    // JSON values of the wrong kind or range, put where numbers, strings or objects belong.
    private static readonly string[] OddValues =
        ["\"2\"", "null", "true", "[]", "{}", "[1,2]", "1.5", "-0", "1e3", "18446744073709551616", "-9223372036854775809", "\"F32\""];

    private static readonly string[] DTypeNames =
        ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "U16", "F8_E5M2", "f32", "", "F32 "];

    [Fact]
    public void RandomBytes_YieldOnlySafetensorsException()
    {
        var random = new Random(20261204);
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (bytes.Length >= 9 && random.Next(2) == 0)
            {
                // Make the length plausible and the JSON start with '{' so the parser gets past the first checks.
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)random.Next(0, bytes.Length - 7));
                bytes[8] = (byte)'{';
            }

            ParseExpectingHeaderOrSafetensorsException(bytes, $"random bytes, iteration {iteration}");
        }
    }

    [Fact]
    public void MutatedValidFiles_YieldOnlySafetensorsException()
    {
        var random = new Random(7);
        byte[] valid = ValidFile();
        ParseExpectingHeaderOrSafetensorsException(valid, "the unmutated file").Should().NotBeNull();
        for (int iteration = 0; iteration < 4000; iteration++)
        {
            byte[] bytes = Mutate(valid, random);
            ParseExpectingHeaderOrSafetensorsException(bytes, $"mutation, iteration {iteration}");
        }
    }

    [Fact]
    public void RandomStructuredHeaders_YieldOnlySafetensorsException()
    {
        var random = new Random(99);
        int accepted = 0;
        for (int iteration = 0; iteration < 4000; iteration++)
        {
            (string json, int dataBytes) = RandomHeader(random);
            byte[] bytes = HandBuiltSafetensors.Build(json, new byte[dataBytes], padTo: random.Next(1, 9));
            if (ParseExpectingHeaderOrSafetensorsException(bytes, $"structured header, iteration {iteration}: {json}") is not null)
            {
                accepted++;
            }
        }

        // The generator makes consistent headers often enough that the success path is fuzzed too.
        accepted.Should().BeGreaterThan(100);
    }

    [Fact]
    public void MutatedFilesOnDisk_YieldOnlySafetensorsExceptionFromOpen()
    {
        var random = new Random(31337);
        byte[] valid = ValidFile();
        using var directory = new TemporaryDirectory();
        string path = directory.File("mutated.safetensors");
        for (int iteration = 0; iteration < 150; iteration++)
        {
            byte[] bytes = Mutate(valid, random);
            File.WriteAllBytes(path, bytes);
            try
            {
                using SafetensorsFile file = SafetensorsFile.Open(path);
                foreach (string name in file.Tensors.Keys)
                {
                    file.GetBytes(name).Length.Should().Be((int)file.Tensors[name].ByteLength);
                }
            }
            catch (SafetensorsException)
            {
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException(
                    $"Open threw {e.GetType().Name} for iteration {iteration} ({Convert.ToHexString(bytes)}): {e}");
            }
        }
    }

    private static SafetensorsHeader? ParseExpectingHeaderOrSafetensorsException(byte[] bytes, string context)
    {
        SafetensorsHeader header;
        try
        {
            header = SafetensorsHeader.Parse(bytes, bytes.Length, FileName);
        }
        catch (SafetensorsException e)
        {
            e.Message.Should().Contain(FileName, because: context);
            return null;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"{context}: {e.GetType().Name} instead of SafetensorsException for {Convert.ToHexString(bytes)}: {e}");
        }

        // An accepted header must be safe to use: every tensor inside the data buffer, the buffer tiled.
        long covered = 0;
        foreach (TensorInfo tensor in header.Tensors.Values.OrderBy(t => t.DataOffset).ThenBy(t => t.ByteLength))
        {
            tensor.DataOffset.Should().Be(header.DataStart + covered, because: context);
            tensor.ByteLength.Should().Be(tensor.ElementCount * SafetensorsDTypes.SizeOf(tensor.DType), because: context);
            covered += tensor.ByteLength;
        }

        covered.Should().Be(header.DataBytes, because: context);
        (header.DataStart + header.DataBytes).Should().Be(bytes.Length, because: context);
        return header;
    }

    private static byte[] ValidFile()
    {
        const string json =
            """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}, """ +
            """ "b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]},"c":{"dtype":"BOOL","shape":[],"data_offsets":[22,23]}}""";
        return HandBuiltSafetensors.Build(json, new byte[23], padTo: 8);
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3:
                    bytes.Insert(at, (byte)"{}[]\":,0123456789-.e "[random.Next(21)]);
                    break;
                case 4:
                    bytes.RemoveAt(at);
                    break;
                case 5:
                    // A digit changed inside the JSON: offsets and shapes disagree.
                    if (bytes.Count > 8)
                    {
                        bytes[8 + random.Next(bytes.Count - 8)] = (byte)('0' + random.Next(10));
                    }

                    break;
                default:
                    // A new header length: small differences and absurd values.
                    ulong length = random.Next(2) == 0 ? (ulong)(valid.Length - 8 + random.Next(-16, 17)) : (ulong)random.NextInt64();
                    byte[] prefix = new byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(prefix, length);
                    for (int i = 0; i < 8 && i < bytes.Count; i++)
                    {
                        bytes[i] = prefix[i];
                    }

                    break;
            }
        }

        return bytes.ToArray();
    }

    private static string Odd(Random random) => OddValues[random.Next(OddValues.Length)];

    private static (string Json, int DataBytes) RandomHeader(Random random)
    {
        var json = new StringBuilder("{");
        long offset = 0;
        int tensors = random.Next(0, 5);
        bool first = true;
        if (random.Next(4) == 0)
        {
            string value = random.Next(3) == 0 ? Odd(random) : "\"pt\"";
            json.Append(random.Next(5) == 0 ? $"\"__metadata__\":{Odd(random)}" : $"\"__metadata__\":{{\"format\":{value}}}");
            first = false;
        }

        for (int t = 0; t < tensors; t++)
        {
            string dtype = random.Next(5) == 0 ? DTypeNames[random.Next(DTypeNames.Length)] : DTypeNames[random.Next(11)];
            int size = SafetensorsDTypes.TryParse(dtype, out SafetensorsDType parsed) ? SafetensorsDTypes.SizeOf(parsed) : 4;
            int rank = random.Next(0, 4);
            var dims = new string[rank];
            long count = 1;
            for (int d = 0; d < rank; d++)
            {
                long dim = random.Next(10) switch
                {
                    0 => -random.Next(1, 5),
                    1 => random.NextInt64(),
                    2 => 0,
                    _ => random.Next(1, 5),
                };
                dims[d] = random.Next(15) == 0 ? Odd(random) : dim.ToString(CultureInfo.InvariantCulture);
                count = unchecked(count * dim);
            }

            long length = unchecked(count * size);
            long begin = offset;
            long end = random.Next(8) switch
            {
                0 => begin + random.Next(-3, 4) + length,
                1 => random.NextInt64(),
                _ => begin + length,
            };
            if (random.Next(10) == 0)
            {
                begin -= random.Next(1, 5);
            }

            if (!first)
            {
                json.Append(',');
            }

            first = false;
            string name = random.Next(10) == 0 ? "dup" : $"t{t}";
            string dtypeJson = random.Next(15) == 0 ? Odd(random) : $"\"{dtype}\"";
            string shapeJson = random.Next(20) == 0 ? Odd(random) : $"[{string.Join(",", dims)}]";
            string beginJson = random.Next(15) == 0 ? Odd(random) : begin.ToString(CultureInfo.InvariantCulture);
            string endJson = random.Next(15) == 0 ? Odd(random) : end.ToString(CultureInfo.InvariantCulture);
            string offsetsJson = random.Next(20) == 0 ? Odd(random) : $"[{beginJson},{endJson}]";
            string tensorJson = random.Next(30) == 0
                ? Odd(random)
                : $$"""{"dtype":{{dtypeJson}},"shape":{{shapeJson}},"data_offsets":{{offsetsJson}}}""";
            json.Append(CultureInfo.InvariantCulture, $"\"{name}\":{tensorJson}");
            offset = end >= 0 && end < 1 << 16 ? end : offset;
        }

        json.Append('}');
        int dataBytes = (int)Math.Clamp(offset + random.Next(-2, 3) * (random.Next(3) == 0 ? 1 : 0), 0, 1 << 16);
        return (json.ToString(), dataBytes);
    }
}
