using System.Net;
using Custos.Data;
using Custos.DataPlane.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests.Infrastructure;

/// How to start a <see cref="CustosApp"/>: the same settings an operator would put in
/// appsettings.json or the environment.
public sealed record CustosAppOptions(string DataPath)
{
    /// Production by default; Development turns on the demo seeding.
    public string Environment { get; init; } = "Production";

    public DatabaseProvider Provider { get; init; } = DatabaseProvider.Sqlite;

    /// Empty for SQLite means `{DataPath}/custos.db`, as in a real first run.
    public string? ConnectionString { get; init; }

    public int PurgeIntervalSeconds { get; init; } = 60;

    /// Any further configuration keys (e.g. "Custos:SeedDemo").
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// Runs the mail delivery job every second, so a test sees mail soon after the change that causes it.
    public int MailDeliveryIntervalSeconds { get; init; } = 1;

    /// Points the host's mail at <paramref name="smtp"/> (plain SMTP on 127.0.0.1) with short timeouts
    /// and retries a second apart, so tests of a failing server need not wait minutes.
    public CustosAppOptions WithSmtp(SmtpReceiver smtp, int commandTimeoutSeconds = 2, int firstRetrySeconds = 1) => this with
    {
        Settings = new Dictionary<string, string?>(Settings)
        {
            ["Custos:Mail:Smtp:Host"] = smtp.Host,
            ["Custos:Mail:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Custos:Mail:Smtp:Security"] = "None",
            ["Custos:Mail:Smtp:ConnectTimeoutSeconds"] = commandTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Custos:Mail:Smtp:CommandTimeoutSeconds"] = commandTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Custos:Mail:Delivery:FirstRetrySeconds"] = firstRetrySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Custos:Mail:Delivery:MaxRetrySeconds"] = (firstRetrySeconds * 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    /// Replaces services after the host registered its own. Note: Quartz 4.7 takes its clock from the
    /// container too, so a FakeTimeProvider registered here becomes the scheduler's clock as well
    /// (seen: the purge trigger fired once at start, then not again while the fake clock stood still).
    public Action<IServiceCollection>? Services { get; init; }
}

/// The real Custos host (Program.cs, unchanged) on Kestrel at a free 127.0.0.1 port, so tests and
/// browsers speak real HTTP to it. Logs go to <see cref="Logs"/> instead of the console.
public sealed class CustosApp : WebApplicationFactory<Program>
{
    private readonly CustosAppOptions _options;
    private Uri? _address;

    private CustosApp(CustosAppOptions options)
    {
        _options = options;
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }

    /// Starts the host (migrations, seeding in Development, the scheduler) and returns once it listens.
    public static async Task<CustosApp> StartAsync(CustosAppOptions options)
    {
        var app = new CustosApp(options);
        try
        {
            await Task.Run(app.StartServer);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            app._address = new Uri(addresses.Single());
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public CustosAppOptions Options => _options;

    public string DataPath => _options.DataPath;

    /// Where the host listens, e.g. http://127.0.0.1:40123/.
    public Uri Address => _address ?? throw new InvalidOperationException("The host has not started.");

    public LogCollector Logs { get; } = new();

    /// Organizations' pack folders.
    public LocalBlobStore Blobs => (LocalBlobStore)Services.GetRequiredService<IBlobStore>();

    public StorageOptions Storage => Services.GetRequiredService<StorageOptions>();

    /// A plain HttpClient over the network to <see cref="Address"/>; redirects are not followed,
    /// so tests see what the server answered.
    public HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }, disposeHandler: true) { BaseAddress = Address };

    /// Runs <paramref name="work"/> in a fresh DI scope of the host, as a request would.
    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public Task InScopeAsync(Func<IServiceProvider, Task> work) =>
        InScopeAsync(async sp =>
        {
            await work(sp);
            return true;
        });

    /// Reads the database of the host in a fresh scope.
    public Task<T> InDatabaseAsync<T>(Func<AppDbContext, Task<T>> query) =>
        InScopeAsync(sp => query(sp.GetRequiredService<AppDbContext>()));

    /// Stops the host. With CUSTOS_TEST_LOGS set to a folder, its log is kept there for reading.
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (System.Environment.GetEnvironmentVariable("CUSTOS_TEST_LOGS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            var name = $"{_options.Provider}-{_options.Environment}-{Guid.NewGuid():N}.log";
            await File.WriteAllLinesAsync(Path.Combine(folder, name), Logs.Lines.Select(l => l.ToString()));
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_options.Environment);

        // Outside Development the host only loads the static web assets manifest (wwwroot plus the
        // build's compressed copies) when asked; without it every .css/.js answered 200 with no body.
        builder.UseStaticWebAssets();
        builder.UseSetting("Custos:DataPath", _options.DataPath);
        builder.UseSetting("Database:Provider", _options.Provider.ToString());
        builder.UseSetting("ConnectionStrings:Custos", _options.ConnectionString ?? "");
        builder.UseSetting("Custos:Scheduler:PurgeIntervalSeconds", _options.PurgeIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Custos:Mail:Delivery:IntervalSeconds", _options.MailDeliveryIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Webhook tests deliver to listeners on http://127.0.0.1, checked every second.
        builder.UseSetting("Custos:Webhooks:AllowHttpLoopback", "true");
        builder.UseSetting("Custos:Webhooks:IntervalSeconds", "1");
        foreach (var (key, value) in _options.Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(Logs);
        });

        if (_options.Services is { } replace)
        {
            builder.ConfigureTestServices(replace);
        }
    }
}
