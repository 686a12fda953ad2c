using Custos.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Custos.ControlPlane.Tests.Infrastructure;

/// A fresh database per test class on the server named by CUSTOS_TEST_POSTGRES, dropped afterwards.
/// Without the variable every test fails: PostgreSQL is the production engine, never optional.
public sealed class PostgresFixture : DatabaseFixture
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
                $"{Variable} is not set, so the PostgreSQL tests cannot run: run ./test.sh, which starts PostgreSQL, "
                + $"or set {Variable} (e.g. \"Host=127.0.0.1;Port=55432;Username=postgres\").");
        }

        _database = "custos_test_" + Guid.NewGuid().ToString("N");
        _connectionString = new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ToString();
        return Task.CompletedTask;
    }

    protected override void AddDbContext(IServiceCollection services, Action<DbContextOptionsBuilder> more) =>
        services.AddDbContext<AppDbContext, PostgresAppDbContext>(o =>
        {
            o.UseNpgsql(_connectionString);
            more(o);
        });

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
