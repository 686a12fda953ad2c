using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Custos.ControlPlane.Exports;
using Custos.Data;
using Custos.Domain.Exports;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.Bench;

/// The export benchmark: the real export code (the job's query and CSV writer) streaming the Active
/// tab of the whole partner tree to a file, and the same SELECT as one line for `psql \copy`.
internal static partial class Export
{
    /// Every partner's organizations: the scope of a path every partner path starts with.
    private static readonly Scope Everyone = new("/");

    private static readonly OrganizationExportQuery ActiveTab = new(OrganizationStatus.Active, "", null, false);

    /// Writes the CSV <paramref name="runs"/> times and prints, per run, rows, seconds, rows/s and the
    /// file size; then the peak RSS (VmHWM) before the first run and at the end.
    public static async Task<int> RunAsync(string connectionString, string file, int runs)
    {
        await using var db = Contexts.Create(connectionString);

        // As in a running host: the model built and the query compiled (same query, a scope without organizations).
        await CsvExportFormat.WriteAsync(
            Stream.Null, ActiveTab.Status, OrganizationExportRows.Rows(db, new Scope("/none/"), ActiveTab).AsAsyncEnumerable(), null, 1, CancellationToken.None);
        var baseline = PeakRssMb();
        for (var run = 0; run < runs; run++)
        {
            var watch = Stopwatch.StartNew();
            long rows;
            await using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                rows = await CsvExportFormat.WriteAsync(
                    stream, ActiveTab.Status, OrganizationExportRows.Rows(db, Everyone, ActiveTab).AsAsyncEnumerable(), null, 1, CancellationToken.None);
            }

            var seconds = watch.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run={run + 1} rows={rows} seconds={seconds:0.00} rows_per_s={rows / seconds:0} bytes={new FileInfo(file).Length}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"baseline_rss_mb={baseline:0.0} peak_rss_mb={PeakRssMb():0.0}"));
        return 0;
    }

    /// The export's SELECT with its parameters written in, on one line (for `psql \copy (...) TO`).
    public static int PrintSql(string connectionString)
    {
        using var db = Contexts.Create(connectionString);
        var text = OrganizationExportRows.Rows(db, Everyone, ActiveTab).ToQueryString();
        var lines = text.Split('\n');
        var parameters = lines.TakeWhile(l => l.StartsWith("-- @", StringComparison.Ordinal))
            .Select(l => ParameterLine().Match(l))
            .Where(m => m.Success)
            .OrderByDescending(m => m.Groups[1].Value.Length)
            .ToList();
        var sql = string.Join(' ', lines.SkipWhile(l => l.StartsWith("--", StringComparison.Ordinal) || l.Trim().Length == 0).Select(l => l.Trim()));
        foreach (var p in parameters)
        {
            sql = sql.Replace(p.Groups[1].Value, "'" + p.Groups[2].Value.Replace("'", "''", StringComparison.Ordinal) + "'", StringComparison.Ordinal);
        }

        Console.WriteLine(sql);
        return 0;
    }

    /// This process's peak resident set so far (VmHWM), in MB.
    private static double PeakRssMb()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(Digits().Match(line).Value, CultureInfo.InvariantCulture) / 1024.0;
    }

    /// `-- @p='value'` or `-- @p='value' (DbType = String)`.
    [GeneratedRegex("^-- (@[A-Za-z0-9_]+)='(.*?)'( \\(.*\\))?\\s*$")]
    private static partial Regex ParameterLine();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();
}
