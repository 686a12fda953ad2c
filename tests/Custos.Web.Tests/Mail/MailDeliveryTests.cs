using System.Net;
using System.Text.RegularExpressions;
using Custos.ControlPlane.Mail;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Mail;
using Custos.Domain.Organizations;
using Custos.Web.Hosting;
using Custos.Web.Hosting.Mail;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Mail;

/// The outbox delivered by the real host's job to a real (small) SMTP server: what arrives, what
/// happens when the server refuses, is down or is slow, and that a restart neither loses nor repeats mail.
/// Each test starts its own host, because each needs its own SMTP server in its own state.
public sealed partial class MailDeliveryTests : IDisposable
{
    private const string Password = "Mail-Tests-Password-1";
    private const string Sender = "no-reply@custos.local";

    private readonly TempFolder _data = new("mail");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ForgotPassword_OverSmtp_ArrivesWithTheRowsMessageIdAndItsLinkResetsThePassword()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        await using var app = await StartAsync(smtp);
        var world = await TabWorld.CreateAsync(app, "Mail Partner", Password);

        using (var anonymous = PortalSession.Anonymous(app))
        using (await anonymous.PostFormAsync("/forgot-password", "forgot-password", new Dictionary<string, string?> { ["Input.Email"] = world.Owner }))
        {
        }

        var mail = await smtp.WaitForAsync(m => m.Recipients.Contains(world.Owner));
        var row = await SentRowAsync(app, m => m.ToAddress == world.Owner && m.Kind == "account.password-reset");
        mail.MessageId.ShouldBe(row.MessageId);
        mail.Recipients.ShouldBe([world.Owner]);
        mail.MailFrom.ShouldBe(Sender);
        (mail.From.Name, mail.From.Address).ShouldBe(("Custos", Sender));
        mail.Message.Subject.ShouldBe("Reset your Custos password");
        row.Attempts.ShouldBe(1);

        var link = LinkIn(mail, @"https?://\S+/reset-password\?\S+");
        new Uri(link).GetLeftPart(UriPartial.Authority).ShouldBe(app.Address.GetLeftPart(UriPartial.Authority));
        await SetPasswordAsync(app, link, "Reset-By-Mail-Password-2");
        using var signedIn = await PortalSession.SignInAsync(app, world.Owner, "Reset-By-Mail-Password-2");
    }

    [Fact]
    public async Task NewOrganization_WithSendSignIn_MailsTheOwnerASingleUseSevenDayLinkFromThePartnersName()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        await using var app = await StartAsync(smtp);
        var world = await TabWorld.CreateAsync(app, "Inviting Partner", Password);
        var planId = await app.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.PlanId).SingleAsync());
        using var session = await PortalSession.SignInAsync(app, world.Owner, Password);
        var unique = Guid.NewGuid().ToString("N")[..8];
        var invited = $"invited.{unique}@example.test";
        var quiet = $"quiet.{unique}@example.test";

        using (var created = await session.PostFormAsync("/organizations/new", "new-organization", NewOrganization(world, planId, invited, $"Invited {unique}", sendSignIn: true)))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        using (var created = await session.PostFormAsync("/organizations/new", "new-organization", NewOrganization(world, planId, quiet, $"Quiet {unique}", sendSignIn: false)))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        var mail = await smtp.WaitForAsync(m => m.Recipients.Contains(invited));
        var org = await app.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.OwnerEmail == invited));
        var row = await SentRowAsync(app, m => m.OrganizationId == org.Id);
        row.Kind.ShouldBe(OwnerInvitation.Kind);
        mail.MessageId.ShouldBe(row.MessageId);
        mail.Recipients.ShouldBe([invited]);
        (mail.From.Name, mail.From.Address).ShouldBe((world.Partner.Name, Sender));
        mail.Message.Subject.ShouldBe($"Sign in to your {org.Name} backups");
        var text = mail.Message.TextBody.ShouldNotBeNull();
        text.ShouldContain(new Uri(app.Address, "portal/").AbsoluteUri);
        var link = new Uri(LinkIn(mail, @"https?://\S+/portal/set-password\?token=\S+"));
        link.GetLeftPart(UriPartial.Authority).ShouldBe(app.Address.GetLeftPart(UriPartial.Authority));
        (await AuditCountAsync(app, org.Id, AuditEventType.OrganizationInvitationSent)).ShouldBe(1);

        // The token is the link's: an invitation of 7 days that works once.
        var token = Uri.UnescapeDataString(link.Query["?token=".Length..]);
        var hash = AccessLink.HashOf(token);
        var stored = await app.InDatabaseAsync(db => db.AccessLinks.AsNoTracking().SingleAsync(l => l.TokenHash == hash));
        (stored.OrganizationId, stored.Purpose, stored.ExpiresAt - stored.CreatedAt).ShouldBe((org.Id, AccessLinkPurpose.Invitation, TimeSpan.FromDays(7)));
        (await UseLinkAsync(app, hash, stored.CreatedAt.AddDays(7).AddSeconds(-1))).ShouldBeNull();
        (await UseLinkAsync(app, hash, stored.CreatedAt.AddDays(1))).ShouldBeOfType<AccessLinkUsed>();

        // Without "Send sign in", the owner gets nothing.
        var quietOrg = await app.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.OwnerEmail == quiet));
        (await app.InDatabaseAsync(db => db.OutboxMessages.CountAsync(m => m.OrganizationId == quietOrg.Id))).ShouldBe(0);
        (await app.InDatabaseAsync(db => db.AccessLinks.CountAsync(l => l.OrganizationId == quietOrg.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task LoginAccountsTab_SendInvitation_AfterConfirmationMailsTheOwner_ReadOnlyGets403()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        await using var app = await StartAsync(smtp);
        var world = await TabWorld.CreateAsync(app, "Tab Partner", Password);
        var owner = await app.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == world.Backup && a.IsOwner));
        var tab = $"/organizations/{world.Backup}/login-accounts";
        var confirm = $"{tab}?confirm=invitation&account={owner.Id}";
        var form = $"invite-{owner.Id:N}";

        using (var readOnly = await PortalSession.SignInAsync(app, world.ReadOnly, Password))
        {
            var seen = await readOnly.GetHtmlAsync(confirm);
            seen.ShouldNotContain("Send invitation");
            seen.ShouldNotContain(form);
            using var forged = await readOnly.PostFormAsync(confirm, form, [], await readOnly.TokenFromAsync(tab));
            forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        (await app.InDatabaseAsync(db => db.OutboxMessages.CountAsync(m => m.OrganizationId == world.Backup))).ShouldBe(0);

        using var session = await PortalSession.SignInAsync(app, world.Owner, Password);
        (await session.GetHtmlAsync(tab)).ShouldContain("Send invitation");
        var step = Html.Text(await session.GetHtmlAsync(confirm));
        step.ShouldContain($"Email {owner.Email} the customer portal's address");
        using var sent = await session.PostFormAsync(confirm, form, []);

        sent.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        sent.Headers.Location!.OriginalString.ShouldEndWith($"{tab}?done=invitation");
        Html.Text(await session.GetHtmlAsync($"{tab}?done=invitation")).ShouldContain("The sign-in invitation is on its way to the owner.");
        var mail = await smtp.WaitForAsync(m => m.Recipients.Contains(owner.Email));
        var row = await SentRowAsync(app, m => m.OrganizationId == world.Backup);
        mail.MessageId.ShouldBe(row.MessageId);
        (mail.From.Name, mail.From.Address).ShouldBe((world.Partner.Name, Sender));
        (await AuditCountAsync(app, world.Backup, AuditEventType.OrganizationInvitationSent)).ShouldBe(1);
    }

    [Fact]
    public async Task RejectedRecipient_FailsThatMessageAtOnce_TheOthersAreDelivered()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        smtp.RejectRecipient("nobody@example.test");
        await using var app = await StartAsync(smtp);

        var ids = await AddMailAsync(app, "first@example.test", "nobody@example.test", "third@example.test");

        await smtp.WaitForAsync(m => m.Recipients.Contains("third@example.test"));
        var rejected = await Eventually.Async(() => RowAsync(app, ids[1]), m => m.FailedAt is not null, "the rejected message to fail");
        rejected.Attempts.ShouldBe(1);
        rejected.SentAt.ShouldBeNull();
        rejected.LastError.ShouldNotBeNull().ShouldContain("550");
        rejected.LastError.ShouldContain("nobody@example.test");
        (await RowAsync(app, ids[0])).SentAt.ShouldNotBeNull();
        (await SentRowAsync(app, m => m.Id == ids[2])).Attempts.ShouldBe(1);
        smtp.Messages.Select(m => m.Recipients.Single()).ShouldBe(["first@example.test", "third@example.test"], ignoreOrder: true);
    }

    [Fact]
    public async Task ServerDown_NothingIsLost_TheErrorShowsToTheOperator_DeliveredWhenItIsBack()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        await using var app = await StartAsync(smtp);
        await smtp.StopAsync();

        var id = (await AddMailAsync(app, "patient@example.test"))[0];

        var waiting = await Eventually.Async(() => RowAsync(app, id), m => m.LastError is not null, "a failed attempt");
        waiting.SentAt.ShouldBeNull();
        waiting.FailedAt.ShouldBeNull();
        waiting.LastError.ShouldNotBeNull().ShouldContain("Cannot connect to the SMTP server");
        using (var op = await PortalSession.SignInAsync(app, await OperatorAsync(app), Password))
        {
            var page = Html.Text(await op.GetHtmlAsync("/operator/mail"));
            page.ShouldContain("patient@example.test");
            page.ShouldContain("Cannot connect to the SMTP server");
        }

        await smtp.RestartAsync();

        var mail = await smtp.WaitForAsync(m => m.Recipients.Contains("patient@example.test"));
        var sent = await SentRowAsync(app, m => m.Id == id);
        mail.MessageId.ShouldBe(sent.MessageId);
        sent.Attempts.ShouldBeGreaterThan(1);
        smtp.Messages.Count.ShouldBe(1);
    }

    [Fact]
    public async Task SlowServer_TimesOutAndRetries_UntilItAnswers()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        smtp.Stall = SmtpStall.AfterData;
        await using var app = await StartAsync(smtp);

        var id = (await AddMailAsync(app, "slow@example.test"))[0];

        var waiting = await Eventually.Async(() => RowAsync(app, id), m => m.LastError is not null, "a timed-out attempt");
        waiting.LastError.ShouldNotBeNull().ShouldContain("no answer within 2 s");
        waiting.SentAt.ShouldBeNull();
        smtp.Messages.ShouldBeEmpty();

        smtp.Stall = SmtpStall.None;
        var mail = await smtp.WaitForAsync(m => m.Recipients.Contains("slow@example.test"));
        mail.MessageId.ShouldBe((await SentRowAsync(app, m => m.Id == id)).MessageId);
    }

    [Fact]
    public async Task TemporaryRefusal_451_IsRetried_NotFailed()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        smtp.TemporaryFailure = true;
        await using var app = await StartAsync(smtp);

        var id = (await AddMailAsync(app, "later@example.test"))[0];

        var waiting = await Eventually.Async(() => RowAsync(app, id), m => m.LastError is not null, "a refused attempt");
        waiting.LastError.ShouldNotBeNull().ShouldContain("451");
        waiting.FailedAt.ShouldBeNull();
        smtp.TemporaryFailure = false;
        await smtp.WaitForAsync(m => m.Recipients.Contains("later@example.test"));
        (await SentRowAsync(app, m => m.Id == id)).Attempts.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task HostGoneBetweenCommitAndDelivery_TheNextHostDeliversOnce_AndASentMessageIsNeverSentAgain()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        TabWorld world;
        await using (var first = await StartAsync(smtp, scheduler: false))
        {
            world = await TabWorld.CreateAsync(first, "Crash Partner", Password);
            using var anonymous = PortalSession.Anonymous(first);
            using var asked = await anonymous.PostFormAsync("/forgot-password", "forgot-password", new Dictionary<string, string?> { ["Input.Email"] = world.Owner });
            asked.StatusCode.ShouldBe(HttpStatusCode.OK);
            var pending = await first.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.ToAddress == world.Owner));
            pending.IsPending.ShouldBeTrue();
        }

        smtp.Messages.ShouldBeEmpty();
        await using (var second = await StartAsync(smtp))
        {
            var mail = await smtp.WaitForAsync(m => m.Recipients.Contains(world.Owner));
            var row = await SentRowAsync(second, m => m.ToAddress == world.Owner);
            mail.MessageId.ShouldBe(row.MessageId);
            var runs = await JobRuns.AttachAsync(second, MailDeliveryJob.Key);
            await runs.WaitForMoreAsync(3);
            runs.Failures.ShouldBeEmpty();
        }

        await using (var third = await StartAsync(smtp))
        {
            var runs = await JobRuns.AttachAsync(third, MailDeliveryJob.Key);
            await runs.WaitForMoreAsync(3);
            (await third.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.ToAddress == world.Owner))).Attempts.ShouldBe(1);
        }

        smtp.To(world.Owner).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RunsOnTwoNodesAtOnce_DeliverEachMessageExactlyOnce(DatabaseProvider provider)
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        var connection = provider == DatabaseProvider.Postgres ? await TestPostgres.CreateDatabaseAsync("custos_mail") : null;
        try
        {
            // Two nodes on one database; their schedulers are off so that this test runs the deliveries itself, side by side.
            using var otherData = new TempFolder("mail-node");
            await using var first = await StartAsync(smtp, scheduler: false, provider, connection);
            await using var second = await StartAsync(smtp, scheduler: false, provider, connection, provider == DatabaseProvider.Sqlite ? _data.Path : otherData.Path);
            var recipients = Enumerable.Range(0, 30).Select(i => $"node.{i}@example.test").ToArray();
            var ids = await AddMailAsync(first, recipients);

            var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                (i % 2 == 0 ? first : second).InScopeAsync(sp => sp.GetRequiredService<OutboxDelivery>().RunAsync(CancellationToken.None))));

            runs.Sum(r => r.Sent).ShouldBe(ids.Length);
            smtp.Messages.Count.ShouldBe(ids.Length);
            smtp.Messages.Select(m => m.MessageId).Distinct().Count().ShouldBe(ids.Length);
            var rows = await first.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking().Where(m => ids.Contains(m.Id)).ToListAsync());
            rows.ShouldAllBe(m => m.SentAt != null && m.Attempts == 1);
        }
        finally
        {
            if (connection is not null)
            {
                await TestPostgres.DropDatabaseAsync(connection);
            }
        }
    }

    [Fact]
    public async Task Operator_RetryNow_DeliversAFailedMessageAndIsAudited_OthersCannotSeeThePage()
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        smtp.RejectRecipient("bounced@example.test");
        await using var app = await StartAsync(smtp);
        var world = await TabWorld.CreateAsync(app, "Retry Partner", Password);
        var id = (await AddMailAsync(app, "bounced@example.test"))[0];
        await Eventually.Async(() => RowAsync(app, id), m => m.FailedAt is not null, "the message to fail");
        smtp.AcceptRecipient("bounced@example.test");

        using (var owner = await PortalSession.SignInAsync(app, world.Owner, Password))
        using (var refused = await owner.GetAsync("/operator/mail"))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using var op = await PortalSession.SignInAsync(app, await OperatorAsync(app), Password);
        var page = Html.Text(await op.GetHtmlAsync("/operator/mail"));
        page.ShouldContain("Failed (1)");
        page.ShouldContain("bounced@example.test");
        page.ShouldContain("550");
        using var retried = await op.PostFormAsync("/operator/mail", $"retry-{id:N}", []);

        retried.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await retried.Content.ReadAsStringAsync()).ShouldContain("The message to bounced@example.test is due now.");
        await smtp.WaitForAsync(m => m.Recipients.Contains("bounced@example.test"));
        (await SentRowAsync(app, m => m.Id == id)).Attempts.ShouldBe(2);
        (await app.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.EventType == AuditEventType.OutboxMessageRetried))).ShouldBe(1);
        Html.Text(await op.GetHtmlAsync("/operator/mail")).ShouldContain("Failed (0)");
    }

    [Theory]
    [InlineData("Custos:Mail:Smtp:Port", "70000", "Custos:Mail:Smtp:Port must be between 1 and 65535")]
    [InlineData("Custos:Mail:Smtp:Host", "smtp://mail.example.test", "Custos:Mail:Smtp:Host must be a host name")]
    [InlineData("Custos:Mail:Smtp:CommandTimeoutSeconds", "0", "CommandTimeoutSeconds must be between 1 and 600")]
    public async Task Start_WithBadSmtpSettings_StopsWithAMessageNamingTheSetting(string key, string value, string message)
    {
        await using var smtp = await SmtpReceiver.StartAsync();
        var options = new CustosAppOptions(_data.Path).WithSmtp(smtp);
        options = options with { Settings = new Dictionary<string, string?>(options.Settings) { [key] = value } };

        var failure = await Should.ThrowAsync<Exception>(async () =>
        {
            await using var app = await CustosApp.StartAsync(options);
        });

        failure.ToString().ShouldContain(message);
    }

    private Task<CustosApp> StartAsync(
        SmtpReceiver smtp, bool scheduler = true, DatabaseProvider provider = DatabaseProvider.Sqlite, string? connectionString = null, string? dataPath = null)
    {
        var options = new CustosAppOptions(dataPath ?? _data.Path) { Provider = provider, ConnectionString = connectionString }.WithSmtp(smtp);
        return CustosApp.StartAsync(options with
        {
            Settings = new Dictionary<string, string?>(options.Settings) { ["Custos:Scheduler:Enabled"] = scheduler ? "true" : "false" },
        });
    }

    /// Messages written straight through the outbox, in one transaction, in this order.
    private static Task<Guid[]> AddMailAsync(CustosApp app, params string[] recipients) =>
        app.InScopeAsync(async sp =>
        {
            var outbox = sp.GetRequiredService<Outbox>();
            var ids = recipients
                .Select(to => outbox.Add(MailBody.To(to).Paragraph("A test message.").ToMail(to, $"Test for {to}"), "test.message").Id)
                .ToArray();
            await sp.GetRequiredService<AppDbContext>().SaveChangesAsync();
            return ids;
        });

    private static Task<OutboxMessage> RowAsync(CustosApp app, Guid id) =>
        app.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id));

    /// The matching row once it is marked sent (the server's answer and the row's update are moments apart).
    private static Task<OutboxMessage> SentRowAsync(CustosApp app, System.Linq.Expressions.Expression<Func<OutboxMessage, bool>> match) =>
        Eventually.Async(
            () => app.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking().SingleOrDefaultAsync(match)),
            m => m?.SentAt is not null, "the message to be marked sent").ContinueWith(t => t.Result!, TaskScheduler.Default);

    private static Task<int> AuditCountAsync(CustosApp app, Guid organizationId, AuditEventType type) =>
        app.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.EventType == type));

    private static Task<Domain.Error?> UseLinkAsync(CustosApp app, string hash, DateTimeOffset at) =>
        app.InDatabaseAsync(async db =>
        {
            var link = await db.AccessLinks.SingleAsync(l => l.TokenHash == hash);
            var used = link.Use(at);
            await db.SaveChangesAsync();
            return used.Error;
        });

    private static Task<string> OperatorAsync(CustosApp app) =>
        app.InScopeAsync(async sp =>
        {
            var email = $"operator.{Guid.NewGuid():N}@example.test";
            var user = new AppUser { UserName = email, Email = email, DisplayName = "Operator", IsOperator = true };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, Password)).Succeeded.ShouldBeTrue();
            return email;
        });

    private static Dictionary<string, string?> NewOrganization(TabWorld world, Guid planId, string email, string name, bool sendSignIn) => new()
    {
        ["Input.FirstName"] = "Grace",
        ["Input.LastName"] = "Hopper",
        ["Input.Email"] = email,
        ["Input.Country"] = "PT",
        ["Input.PartnerId"] = world.Partner.Id.ToString(),
        ["Input.PlanId"] = planId.ToString(),
        ["Input.OrganizationName"] = name,
        ["Input.Seats"] = "10",
        ["Input.SendSignIn"] = sendSignIn ? "true" : null,
    };

    private static string LinkIn(ReceivedMail mail, string pattern) =>
        Regex.Match(mail.Message.TextBody ?? "", pattern) is { Success: true } m
            ? m.Value
            : throw new InvalidOperationException("The mail holds no such link:\n" + mail.Message.TextBody);

    /// Follows a partner-portal password link as a person would: open it, choose a password.
    private static async Task SetPasswordAsync(CustosApp app, string link, string password)
    {
        var path = new Uri(link).PathAndQuery;
        using var visitor = PortalSession.Anonymous(app);
        var page = await visitor.GetHtmlAsync(path);
        var fields = new Dictionary<string, string?>
        {
            ["Input.Email"] = WebUtility.HtmlDecode(Regex.Match(page, "name=\"Input.Email\" value=\"([^\"]*)\"").Groups[1].Value),
            ["Input.Code"] = WebUtility.HtmlDecode(Regex.Match(page, "name=\"Input.Code\" value=\"([^\"]*)\"").Groups[1].Value),
            ["Input.Password"] = password,
            ["Input.Repeat"] = password,
        };
        using var set = await visitor.PostFormAsync(path, "reset-password", fields);
        Html.Text(await set.Content.ReadAsStringAsync()).ShouldContain("Your password has been changed");
    }
}
