using Custos.Data;
using Custos.DataPlane.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Custos.DataPlane.Tests.Infrastructure;

/// A migrated database, a temp data folder with its own platform keys, and the storage services
/// as a host registers them, with small packs and chunks so tests see packs seal. Subclasses pick the engine.
public abstract class StorageFixture : IAsyncLifetime
{
    public const long PackTarget = 256 * 1024;

    private ServiceProvider? _services;

    protected StorageFixture()
    {
        WorkDir = Path.Combine(Path.GetTempPath(), "custos-dataplane-tests-" + Guid.NewGuid().ToString("N"));
        Options = StorageOptions.ForDataPath(WorkDir);
        Options.PackTargetBytes = PackTarget;
        Options.PackMaxBytes = 4 * PackTarget;
        Options.ChunkBytes = 64 * 1024;
    }

    public abstract string Engine { get; }

    public string WorkDir { get; }

    public StorageOptions Options { get; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialized.");

    /// The database files a thief could copy (SQLite only; null for a server engine).
    public virtual IReadOnlyList<string>? DatabaseFiles => null;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDir);
        await PrepareAsync();
        _services = BuildServices();
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await DropDatabaseAsync();
        if (Directory.Exists(WorkDir))
        {
            Directory.Delete(WorkDir, recursive: true);
        }
    }

    /// The storage services over this fixture's database and folder; <paramref name="blobs"/> may
    /// wrap the blob store (a crash, a restart).
    public ServiceProvider BuildServices(Func<IBlobStore, IBlobStore>? blobs = null)
    {
        var services = new ServiceCollection();
        AddDbContext(services);
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLogging();
        services.AddCustosStorage(Options);
        if (blobs is not null)
        {
            var inner = new LocalBlobStore(Options);
            services.AddSingleton(blobs(inner));
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    protected abstract Task PrepareAsync();

    protected abstract void AddDbContext(IServiceCollection services);

    protected abstract Task DropDatabaseAsync();
}

public sealed class SqliteStorageFixture : StorageFixture
{
    private string? _connectionString;

    public override string Engine => "SQLite";

    public string DatabasePath => Path.Combine(WorkDir, "custos.db");

    public override IReadOnlyList<string>? DatabaseFiles =>
        [.. Directory.GetFiles(WorkDir, "custos.db*")];

    protected override Task PrepareAsync()
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath }.ToString();
        return Task.CompletedTask;
    }

    protected override void AddDbContext(IServiceCollection services) =>
        services.AddDbContext<AppDbContext, SqliteAppDbContext>(o => o.UseSqlite(_connectionString));

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}

/// A fresh database per test class on the server named by CUSTOS_TEST_POSTGRES (./test.sh starts one).
public sealed class PostgresStorageFixture : StorageFixture
{
    public const string Variable = "CUSTOS_TEST_POSTGRES";

    private string? _server;
    private string? _connectionString;
    private string? _database;

    public override string Engine => "PostgreSQL";

    protected override Task PrepareAsync()
    {
        _server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(_server))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL tests cannot run: run ./test.sh, which starts PostgreSQL.");
        }

        _database = "custos_storage_" + Guid.NewGuid().ToString("N");
        _connectionString = new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ToString();
        return Task.CompletedTask;
    }

    protected override void AddDbContext(IServiceCollection services) =>
        services.AddDbContext<AppDbContext, PostgresAppDbContext>(o => o.UseNpgsql(_connectionString));

    protected override async Task DropDatabaseAsync()
    {
        if (_server is null || _database is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var admin = new NpgsqlConnectionStringBuilder(_server) { Database = "postgres", Pooling = false }.ToString();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
