using Custos.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests.Infrastructure;

/// A SQLite file in the fixture's temp folder (not :memory:, so parallel scopes get their own connections).
public sealed class SqliteFixture : DatabaseFixture
{
    private string? _connectionString;

    public override string Engine => "SQLite";

    protected override Task PrepareAsync()
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(WorkDir, "custos.db") }.ToString();
        return Task.CompletedTask;
    }

    protected override void AddDbContext(IServiceCollection services, Action<DbContextOptionsBuilder> more) =>
        services.AddDbContext<AppDbContext, SqliteAppDbContext>(o =>
        {
            o.UseSqlite(_connectionString);
            more(o);
        });

    protected override Task DropDatabaseAsync()
    {
        // Pooled connections keep the file (and its -wal/-shm companions) open.
        SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}
