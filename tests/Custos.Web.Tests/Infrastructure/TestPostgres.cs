using Npgsql;

namespace Custos.Web.Tests.Infrastructure;

/// The PostgreSQL server the test script starts (CUSTOS_TEST_POSTGRES). Each fixture creates its
/// own database and drops it at the end. Without the variable the tests fail: a skipped engine
/// would look like a passing one.
public static class TestPostgres
{
    public const string Variable = "CUSTOS_TEST_POSTGRES";

    public static string Server =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL tests cannot run. Run ./test.sh (it starts a throwaway server), "
                + $"or start one yourself and export {Variable}=\"Host=127.0.0.1;Port=55432;Username=postgres\".");

    /// Creates an empty database and returns its connection string.
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(With(Server, "postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return With(Server, name);
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(With(connectionString, "postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static string With(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = true }.ConnectionString;
}
