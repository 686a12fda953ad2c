using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public static class DataRegistration
{
    /// Registers <see cref="AppDbContext"/> on the engine named by `Database:Provider`
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

                services.AddDbContext<AppDbContext, PostgresAppDbContext>(o => o.UseNpgsql(connectionString));
                break;
            default:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    Directory.CreateDirectory(dataPath);
                    connectionString = $"Data Source={Path.Combine(dataPath, "custos.db")}";
                }

                services.AddDbContext<AppDbContext, SqliteAppDbContext>(o => o.UseSqlite(connectionString));
                break;
        }

        return services;
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
