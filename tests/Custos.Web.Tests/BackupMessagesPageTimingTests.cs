using System.Data.Common;
using System.Net;
using Custos.Data;
using Custos.Data.Storage;
using Custos.DataPlane.Storage;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// The messages page renders once at its first await that really waits. On a busy machine the
/// first queries may complete at once and the first real wait be the folder list: the page then
/// renders with the organization and mailbox found but the folder not yet known. This host makes
/// exactly that happen (SQLite answers synchronously; the folder list query is made to wait).
public sealed class SlowFolderListHostFixture : HostFixture
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<CustosAppOptions> PrepareAsync(string dataPath) =>
        Task.FromResult(new CustosAppOptions(dataPath)
        {
            Services = s => s.ConfigureDbContext<SqliteAppDbContext>(o => o.AddInterceptors(new WaitBeforeFolderList())),
        });

    /// How many times the folder list was made to wait (so the test knows the race was set up).
    public static int Waited;

    private sealed class WaitBeforeFolderList : DbCommandInterceptor
    {
        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("GROUP BY \"b\".\"Folder\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Waited);
                await Task.Delay(50, cancellationToken);
            }

            return result;
        }
    }
}

public sealed class BackupMessagesPageTimingTests(SlowFolderListHostFixture fixture) : IClassFixture<SlowFolderListHostFixture>
{
    private const string Password = "Timing-Password-1";

    private CustosApp App => fixture.App;

    [Theory]
    [InlineData("Nowhere", HttpStatusCode.NotFound)]
    [InlineData("INBOX", HttpStatusCode.OK)]
    public async Task MessagesPage_WhenOnlyTheFolderListWaits_AnswersWithoutAServerError(string folder, HttpStatusCode expected)
    {
        var world = await TabWorld.CreateAsync(App, "Timing Partner", Password);
        var mailbox = Guid.NewGuid();
        await App.InScopeAsync(async sp =>
        {
            var raw = "From: sender@example.test\r\nSubject: Hello\r\n\r\nhi"u8.ToArray();
            var stored = await sp.GetRequiredService<MessageStore>().PutAsync(world.Backup, new MemoryStream(raw), default);
            var db = sp.GetRequiredService<AppDbContext>();
            using var key = await sp.GetRequiredService<OrganizationKeys>().GetOrCreateAsync(db, world.Backup, default);
            var row = new BackedUpMessage
            {
                Id = Guid.NewGuid(),
                OrganizationId = world.Backup,
                MailboxId = mailbox,
                Folder = "INBOX",
                UidValidity = 7,
                Uid = 1,
                StoredMessageId = stored.Id,
                Date = DateTimeOffset.UnixEpoch,
                LogicalBytes = raw.Length,
                BackedUpAt = DateTimeOffset.UnixEpoch,
            };
            row.SealedHeaders = MessageHeaders.Of("Hello", "sender@example.test").Seal(key, row.Id);
            db.BackedUpMessages.Add(row);
            await db.SaveChangesAsync();
        });
        var mark = App.Logs.Count;
        var waited = Volatile.Read(ref SlowFolderListHostFixture.Waited);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.GetAsync($"/organizations/{world.Backup}/backups/{mailbox}/messages?folder={folder}");

        response.StatusCode.ShouldBe(expected, string.Join(Environment.NewLine, App.Logs.AtLeast(LogLevel.Error, mark)));
        App.Logs.AtLeast(LogLevel.Error, mark).ShouldBeEmpty();
        Volatile.Read(ref SlowFolderListHostFixture.Waited).ShouldBeGreaterThan(waited, "the folder list query was made to wait");
    }
}
