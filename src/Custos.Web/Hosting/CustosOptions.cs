using Custos.DataPlane.Storage;

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

    public StorageSection Storage { get; set; } = new();

    public WebhookOptions Webhooks { get; set; } = new();

    /// Webhook delivery (see docs/webhooks.md).
    public sealed class WebhookOptions
    {
        /// Allow endpoints on this machine (loopback), plain http:// ones on localhost/127.0.0.1 too;
        /// unset: on in Development only.
        public bool? AllowHttpLoopback { get; set; }

        /// Allow endpoints in private networks (10/8, 172.16/12, 192.168/16, fc00::/7, *.internal, *.local…).
        public bool AllowPrivateNetworks { get; set; }

        /// How often the delivery job looks for due deliveries.
        public int IntervalSeconds { get; set; } = 5;

        public int BatchSize { get; set; } = 20;

        /// How long one attempt may take.
        public int TimeoutSeconds { get; set; } = 10;

        /// The waits after each failed attempt, in seconds, comma-separated; after the last, the message is given up.
        public string RetrySeconds { get; set; } = "5,300,1800,7200,18000,36000,36000";

        /// An endpoint is disabled after this many messages in a row were given up…
        public int DisableAfterFailedMessages { get; set; } = 10;

        /// …or once every attempt has failed for this many hours.
        public int DisableAfterFailingHours { get; set; } = 120;

        public Custos.ControlPlane.Webhooks.WebhookSettings Resolve(bool development)
        {
            var delays = new List<TimeSpan>();
            foreach (var part in RetrySeconds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
                {
                    throw new InvalidOperationException($"Custos:Webhooks:RetrySeconds must be whole seconds ≥ 1, comma-separated: \"{RetrySeconds}\".");
                }

                delays.Add(TimeSpan.FromSeconds(seconds));
            }

            if (IntervalSeconds < 1 || BatchSize is < 1 or > 1000 || TimeoutSeconds is < 1 or > 120 || DisableAfterFailedMessages < 1 || DisableAfterFailingHours < 1)
            {
                throw new InvalidOperationException(
                    "Custos:Webhooks needs IntervalSeconds ≥ 1, BatchSize 1–1000, TimeoutSeconds 1–120, DisableAfterFailedMessages ≥ 1 and DisableAfterFailingHours ≥ 1.");
            }

            return new Custos.ControlPlane.Webhooks.WebhookSettings
            {
                AllowHttpLoopback = AllowHttpLoopback ?? development,
                AllowPrivateNetworks = AllowPrivateNetworks,
                Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
                Retry = new Domain.Webhooks.WebhookRetry(delays),
                AutoDisable = new Domain.Webhooks.WebhookAutoDisable(DisableAfterFailedMessages, TimeSpan.FromHours(DisableAfterFailingHours)),
                BatchSize = BatchSize,
            };
        }
    }

    public sealed class SchedulerOptions
    {
        public bool Enabled { get; set; } = true;

        public int PurgeIntervalSeconds { get; set; } = 60;

        /// How often the maintained tab counts fold their deltas (PostgreSQL only).
        public int CountRollUpIntervalSeconds { get; set; } = 10;

        /// How often the export job looks for queued exports and expired files; a new export
        /// also starts the job at once.
        public int ExportIntervalSeconds { get; set; } = 30;

        /// How often the transfer job looks for approved transfers whose cut-off has come.
        public int TransferIntervalSeconds { get; set; } = 300;
    }

    /// Backup storage (see Custos.DataPlane/Storage/README.md). Empty paths: under the data path.
    public sealed class StorageSection
    {
        /// The platform key-encryption key; default `{DataPath}/keys/storage-kek.key`.
        public string KeyEncryptionKeyPath { get; set; } = "";

        /// The purge certificates' signing key; default `{DataPath}/keys/platform-signing.pem`.
        public string SigningKeyPath { get; set; } = "";

        /// Packs are sealed at this size (16–64).
        public int PackTargetMiB { get; set; } = 32;

        public StorageOptions Resolve(string dataPath)
        {
            var storage = StorageOptions.ForDataPath(dataPath);
            if (!string.IsNullOrWhiteSpace(KeyEncryptionKeyPath))
            {
                storage.KeyEncryptionKeyPath = Path.GetFullPath(KeyEncryptionKeyPath, dataPath);
            }

            if (!string.IsNullOrWhiteSpace(SigningKeyPath))
            {
                storage.SigningKeyPath = Path.GetFullPath(SigningKeyPath, dataPath);
            }

            storage.PackTargetBytes = PackTargetMiB * StorageOptions.MiB;
            storage.Validate();
            return storage;
        }
    }

    public sealed class MailOptions
    {
        /// The sender of every message Custos sends.
        public string From { get; set; } = "Custos <no-reply@custos.local>";

        /// The SMTP server mail goes to; without a Host, messages are written as .eml files under `{DataPath}/mail`.
        public SmtpOptions Smtp { get; set; } = new();

        public DeliveryOptions Delivery { get; set; } = new();
    }

    public sealed class SmtpOptions
    {
        /// The server's name or address; empty: no SMTP, .eml files instead.
        public string Host { get; set; } = "";

        /// 0: the usual port of <see cref="Security"/> (465 for SslOnConnect, 587 for StartTls, 25 otherwise).
        public int Port { get; set; }

        public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

        /// Empty: no authentication.
        public string UserName { get; set; } = "";

        public string Password { get; set; } = "";

        /// How long connecting (TCP, TLS, greeting) may take.
        public int ConnectTimeoutSeconds { get; set; } = 15;

        /// How long the server may take to answer one command (DATA included).
        public int CommandTimeoutSeconds { get; set; } = 30;

        public int EffectivePort => Port > 0 ? Port : Security switch
        {
            SmtpSecurity.SslOnConnect => 465,
            SmtpSecurity.StartTls => 587,
            _ => 25,
        };
    }

    /// How the outbox is delivered (see Hosting/Mail/README.md).
    public sealed class DeliveryOptions
    {
        /// How often the delivery job looks for due messages.
        public int IntervalSeconds { get; set; } = 5;

        /// Messages read per batch; a run goes on with the next batch while messages are due.
        public int BatchSize { get; set; } = 20;

        /// The wait before the first retry; it doubles with each failed attempt, up to <see cref="MaxRetrySeconds"/>.
        public int FirstRetrySeconds { get; set; } = 60;

        public int MaxRetrySeconds { get; set; } = 3600;

        /// A message still undelivered this long after it was written is given up (failed).
        public int GiveUpAfterHours { get; set; } = 24;
    }
}

/// How the SMTP connection is secured. Auto: TLS on connect for port 465, STARTTLS when the server offers it otherwise.
public enum SmtpSecurity
{
    Auto,
    None,
    StartTls,
    SslOnConnect,
}
