using System.Globalization;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Tests.Tokenization;

public sealed class CanonicalNormalizerTests
{
    [Fact]
    public void NfcAndNfd_MatchTheUnicodeConformanceTests()
    {
        var failures = new List<string>();
        int checkedLines = 0;
        foreach (string line in File.ReadLines(ReferenceTokenizers.FixturePath("normalization-test.txt")))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }
            var columns = line.Split(';').Select(Decode).ToArray();
            string nfc = CanonicalNormalizer.Normalize(columns[0], compose: true);
            string nfd = CanonicalNormalizer.Normalize(columns[0], compose: false);
            if (nfc != columns[1] || nfd != columns[2])
            {
                failures.Add($"{line}: NFC {Hex(nfc)}, NFD {Hex(nfd)}");
            }
            checkedLines++;
        }
        checkedLines.Should().BeGreaterThan(7000);
        failures.Should().BeEmpty();
    }

    [Theory]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")] // Hangul jamo L V T compose by formula
    [InlineData("\uAC01", "\uAC01")]
    [InlineData("e\u0301", "\u00E9")]
    [InlineData("\u212B", "\u00C5")] // Angstrom sign: a singleton, never recomposed
    [InlineData("\u0958", "\u0915\u093C")] // excluded from composition
    [InlineData("a\u0301\u0323", "\u1EA1\u0301")] // marks reordered by class, then the dot below composes
    public void Nfc_ComposesAsUnicodeSays(string input, string expected) =>
        CanonicalNormalizer.Normalize(input, compose: true).Should().Be(expected);

    [Fact]
    public void NfcAlignment_ComposedCharacterTakesItsStartersRange()
    {
        // "o" + diaeresis + acute: "ö" (bytes 0..1 of the starter) then the acute (bytes 3..5).
        var text = NormalizedText.FromOriginal("o\u0308\u0301").NormalizeCanonical(compose: true);
        text.Text.Should().Be("\u00F6\u0301");
        text.OriginalRange(0, 1).Should().Be((0, 1));
        text.OriginalRange(1, 2).Should().Be((3, 5));
    }

    private static string Decode(string hexCodePoints) =>
        string.Concat(hexCodePoints.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(h => char.ConvertFromUtf32(int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture))));

    private static string Hex(string text) =>
        string.Join(' ', CanonicalNormalizer.EnumerateCodePoints(text).Select(cp => cp.ToString("X4", CultureInfo.InvariantCulture)));
}
