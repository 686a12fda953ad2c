using Custos.Data;

namespace Custos.Web.Tests.Infrastructure;

/// One running host per test class, on its own temp data folder (and own database), torn down
/// after the class. Subclasses pick the engine.
public abstract class HostFixture : IAsyncLifetime
{
    private CustosApp? _app;

    public TempFolder Data { get; } = new("host");

    public CustosApp App => _app ?? throw new InvalidOperationException("The host did not start.");

    public abstract DatabaseProvider Provider { get; }

    public async Task InitializeAsync()
    {
        try
        {
            _app = await CustosApp.StartAsync(await PrepareAsync(Data.Path));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
                _app = null;
            }

            await CleanUpAsync();
        }
        finally
        {
            Data.Dispose();
        }
    }

    protected abstract Task<CustosAppOptions> PrepareAsync(string dataPath);

    protected virtual Task CleanUpAsync() => Task.CompletedTask;
}

/// The embedded default: SQLite in the data folder, Quartz's store in the same file. The purge job
/// runs every second so scheduler tests need not wait a minute.
public sealed class SqliteHostFixture : HostFixture
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<CustosAppOptions> PrepareAsync(string dataPath) =>
        Task.FromResult(new CustosAppOptions(dataPath) { PurgeIntervalSeconds = 1 });
}

/// PostgreSQL, with Quartz clustered on it, in a database of its own.
public sealed class PostgresHostFixture : HostFixture
{
    private string? _connectionString;

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override async Task<CustosAppOptions> PrepareAsync(string dataPath)
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync("custos_web");
        return new CustosAppOptions(dataPath)
        {
            Provider = DatabaseProvider.Postgres,
            ConnectionString = _connectionString,
            PurgeIntervalSeconds = 1,
        };
    }

    protected override async Task CleanUpAsync()
    {
        if (_connectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(_connectionString);
        }
    }
}
