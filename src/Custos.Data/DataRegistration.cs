using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Custos.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public static class DataRegistration
{
    /// Registers <see cref="AppDbContext"/> (pooled: a request reuses a context instead of building
    /// one) on the engine named by `Database:Provider`
    /// (Sqlite, the default, or Postgres) with the `ConnectionStrings:Custos` connection string.
    public static IServiceCollection AddCustosData(this IServiceCollection services, IConfiguration configuration, string dataPath)
    {
        var provider = ProviderOf(configuration);
        var connectionString = configuration.GetConnectionString("Custos");
        switch (provider)
        {
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:Custos is empty.");
                }

                var postgres = WithPostgresDefaults(connectionString);
                services.AddDbContextPool<AppDbContext, PostgresAppDbContext>(o => o.UseNpgsql(postgres));
                break;
            default:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    Directory.CreateDirectory(dataPath);
                    connectionString = $"Data Source={Path.Combine(dataPath, "custos.db")}";
                }

                services.AddDbContextPool<AppDbContext, SqliteAppDbContext>(o => o.UseSqlite(connectionString));
                break;
        }

        return services;
    }

    /// Defaults for a PostgreSQL connection string, each kept when the string sets it itself:
    /// statements run more than once are prepared on their connection (planning the Organizations
    /// page's queries costs more than running them), and a pooled connection is not reset when it is
    /// returned (Custos keeps no session state on a connection: the planner settings the
    /// Organizations list changes are reset by its own batch), which spares a statement on every
    /// request; and at most <see cref="DefaultMaxPoolSize"/> connections per node, so that a burst of
    /// requests waits in the node's queue (in order) instead of as many busy backends contending for
    /// the database's cores (the slowest answers then take several times the median).
    /// Four connections per core of this node, at least eight.
    public static int DefaultMaxPoolSize => Math.Max(8, 4 * Environment.ProcessorCount);

    public static string WithPostgresDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!given.ContainsKey("Auto Prepare Min Usages"))
        {
            builder.AutoPrepareMinUsages = 2;
        }

        if (!given.ContainsKey("No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }

        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        return builder.ConnectionString;
    }

    public static DatabaseProvider ProviderOf(IConfiguration configuration)
    {
        var name = configuration["Database:Provider"];
        if (string.IsNullOrWhiteSpace(name) || name.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return DatabaseProvider.Sqlite;
        }

        if (name.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || name.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            return DatabaseProvider.Postgres;
        }

        throw new InvalidOperationException($"Database:Provider '{name}' is unknown; use Sqlite or Postgres.");
    }
}
