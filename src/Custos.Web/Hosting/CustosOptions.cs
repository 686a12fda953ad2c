namespace Custos.Web.Hosting;

/// The `Custos` configuration section.
public sealed class CustosOptions
{
    /// Where the SQLite database, backup blobs, mail and exports live; relative to the content root.
    public string DataPath { get; set; } = "data";

    /// Seed a demo tree of partners and organizations into an empty database (Development only).
    public bool SeedDemo { get; set; } = true;

    public SchedulerOptions Scheduler { get; set; } = new();

    public sealed class SchedulerOptions
    {
        public bool Enabled { get; set; } = true;

        public int PurgeIntervalSeconds { get; set; } = 60;
    }
}
