namespace Custos.Web.Hosting;

/// The `Custos` configuration section.
public sealed class CustosOptions
{
    /// Where the SQLite database, backup blobs, mail and exports live; relative to the content root.
    public string DataPath { get; set; } = "data";

    /// Seed a demo tree of partners and organizations into an empty database (Development only).
    public bool SeedDemo { get; set; } = true;

    /// The address people reach Custos at (e.g. https://backup.example.com/), used for links in
    /// mail. Empty: the address of the request that causes the mail.
    public string PublicUrl { get; set; } = "";

    /// The mail domain of Archiver organizations' journal addresses (j-…@this domain).
    public string JournalDomain { get; set; } = "journal.custos.localhost";

    public SchedulerOptions Scheduler { get; set; } = new();

    public MailOptions Mail { get; set; } = new();

    public sealed class SchedulerOptions
    {
        public bool Enabled { get; set; } = true;

        public int PurgeIntervalSeconds { get; set; } = 60;

        /// How often the maintained tab counts fold their deltas (PostgreSQL only).
        public int CountRollUpIntervalSeconds { get; set; } = 10;

        /// How often the export job looks for queued exports and expired files; a new export
        /// also starts the job at once.
        public int ExportIntervalSeconds { get; set; } = 30;
    }

    public sealed class MailOptions
    {
        /// The sender of every message Custos sends.
        public string From { get; set; } = "Custos <no-reply@custos.local>";
    }
}
