using Parquet;
using Parquet.Schema;

namespace QuantServe.Engine.Calibration;

/// <summary>Reads one string column of a parquet file (Hugging Face datasets store text rows this way), through Parquet.Net.</summary>
public static class ParquetText
{
    public static IReadOnlyList<string> ReadColumn(string path, string column) => ReadColumnAsync(path, column).GetAwaiter().GetResult();

    private static async Task<IReadOnlyList<string>> ReadColumnAsync(string path, string column)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not IOException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: not a readable parquet file ({e.Message})", e);
        }
        await using (reader.ConfigureAwait(false))
        {
            var fields = reader.Schema.GetDataFields();
            var field = fields.FirstOrDefault(f => f.Name == column)
                ?? throw new InvalidDataException($"{path}: the parquet file has no '{column}' column (columns: {string.Join(", ", fields.Select(f => f.Name))})");
            var texts = new List<string>();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var values = new string?[checked((int)group.RowCount)];
                try
                {
                    await group.ReadAsync(field, values.AsMemory()).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not IOException)
                {
                    throw new InvalidDataException($"{path}: column '{column}' cannot be read as strings ({e.Message})", e);
                }
                texts.AddRange(values.OfType<string>());
            }
            return texts;
        }
    }
}
