using Custos.Data;
using Npgsql;

namespace Custos.ControlPlane.Tests;

public sealed class DataRegistrationTests
{
    [Fact]
    public void PostgresDefaults_AreAddedWhereTheConnectionStringIsSilent()
    {
        var result = new NpgsqlConnectionStringBuilder(DataRegistration.WithPostgresDefaults("Host=127.0.0.1;Database=custos;Username=custos"));

        result.MaxAutoPrepare.ShouldBe(64);
        result.AutoPrepareMinUsages.ShouldBe(2);
        result.NoResetOnClose.ShouldBeTrue();
        result.MaxPoolSize.ShouldBe(Math.Max(8, 4 * Environment.ProcessorCount));
        result.Host.ShouldBe("127.0.0.1");
        result.Database.ShouldBe("custos");
    }

    [Fact]
    public void PostgresDefaults_KeepWhatTheConnectionStringSays()
    {
        var result = new NpgsqlConnectionStringBuilder(DataRegistration.WithPostgresDefaults(
            "Host=127.0.0.1;Database=custos;max auto prepare=0;No Reset On Close=false;Auto Prepare Min Usages=5;Maximum Pool Size=50"));

        result.MaxAutoPrepare.ShouldBe(0);
        result.AutoPrepareMinUsages.ShouldBe(5);
        result.NoResetOnClose.ShouldBeFalse();
        result.MaxPoolSize.ShouldBe(50);
    }
}
