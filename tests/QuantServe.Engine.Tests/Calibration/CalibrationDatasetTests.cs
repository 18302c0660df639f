using Parquet;
using Parquet.Schema;
using QuantServe.Engine.Calibration;
using QuantServe.Engine.Tests.Support;

namespace QuantServe.Engine.Tests.Calibration;

public sealed class CalibrationDatasetTests
{
    [Fact]
    public void TextJsonlAndParquet_AreReadAndJoinedWithBlankLines()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(dir.Combine("a.txt"), "plain text");
        File.WriteAllLines(dir.Combine("b.jsonl"), ["{\"text\": \"first\", \"id\": 1}", "", "{\"text\": \"second\"}"]);
        WriteParquet(dir.Combine("c.parquet"), ["row one", "row two"]);

        CalibrationDataset.LoadText(dir.Combine("a.txt")).Should().Be("plain text");
        CalibrationDataset.LoadText(dir.Combine("b.jsonl")).Should().Be("first\n\nsecond");
        CalibrationDataset.LoadText(dir.Combine("c.parquet")).Should().Be("row one\n\nrow two");
    }

    [Fact]
    public void AHubDatasetId_IsFoundInTheCache_PreferringTrainFiles()
    {
        using var dir = new TemporaryDirectory();
        var snapshot = dir.Combine("datasets--org--wiki", "snapshots", "abc123", "raw-v1");
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(dir.Combine("datasets--org--wiki", "refs-not-used"), "");
        WriteParquet(Path.Combine(snapshot, "train-00000-of-00001.parquet"), ["train text"]);
        WriteParquet(Path.Combine(snapshot, "test-00000-of-00001.parquet"), ["test text"]);

        CalibrationDataset.LoadText("org/wiki", dir.Path).Should().Be("train text");
        CalibrationDataset.LoadText("org/wiki:raw-v1", dir.Path).Should().Be("train text");
    }

    [Fact]
    public void AMissingDataset_NamesWhatWasLookedFor()
    {
        using var dir = new TemporaryDirectory();
        var missingFile = () => CalibrationDataset.LoadText(dir.Combine("nope.txt"), dir.Path);
        missingFile.Should().Throw<FileNotFoundException>().WithMessage("*nope.txt*not a file*");
        var missingHub = () => CalibrationDataset.LoadText("org/absent", dir.Path);
        missingHub.Should().Throw<FileNotFoundException>().WithMessage("*org/absent*datasets--org--absent*");
    }

    [Fact]
    public void BadFiles_AreReportedWithTheirPlace()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllLines(dir.Combine("b.jsonl"), ["{\"text\": \"ok\"}", "{\"content\": \"x\"}"]);
        File.WriteAllText(dir.Combine("d.csv"), "a,b");
        WriteParquet(dir.Combine("c.parquet"), ["x"], column: "body");

        FluentActions.Invoking(() => CalibrationDataset.LoadText(dir.Combine("b.jsonl"))).Should().Throw<InvalidDataException>().WithMessage("*b.jsonl:2*\"text\"*");
        FluentActions.Invoking(() => CalibrationDataset.LoadText(dir.Combine("d.csv"))).Should().Throw<InvalidDataException>().WithMessage("*d.csv*.csv*");
        FluentActions.Invoking(() => CalibrationDataset.LoadText(dir.Combine("c.parquet"))).Should().Throw<InvalidDataException>().WithMessage("*no 'text' column*body*");
    }

    [Fact]
    public void Sampling_IsReproducibleBySeed_AndNeedsEnoughTokens()
    {
        var tokens = Enumerable.Range(0, 1000).ToArray();
        var a = CalibrationSampler.Sample(tokens, 8, 50, seed: 3);
        var b = CalibrationSampler.Sample(tokens, 8, 50, seed: 3);
        var c = CalibrationSampler.Sample(tokens, 8, 50, seed: 4);
        a.Should().BeEquivalentTo(b, o => o.WithStrictOrdering());
        a.Select(s => s[0]).Should().NotEqual(c.Select(s => s[0]));
        a.Should().OnlyContain(s => s.Length == 50 && s.Zip(s.Skip(1)).All(p => p.Second == p.First + 1), "windows are consecutive tokens");

        var act = () => CalibrationSampler.Sample(tokens, 128, 2048, seed: 0);
        act.Should().Throw<InvalidDataException>().WithMessage("*1000 tokens, fewer than nsamples x seqlen = 128 x 2048 = 262144*");
    }

    private static void WriteParquet(string path, string[] rows, string column = "text") => WriteParquetAsync(path, rows, column).GetAwaiter().GetResult();

    private static async Task WriteParquetAsync(string path, string[] rows, string column)
    {
        var field = new DataField<string>(column);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(field, rows);
    }
}
