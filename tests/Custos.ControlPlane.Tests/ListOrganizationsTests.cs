using System.Buffers.Text;
using System.Text;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Data.Counting;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

/// The Organizations page's query on a real database, once per engine (subclasses at the end).
/// Tests of one class share a database, so each test builds its own partner (a new root, or a
/// subtree under one) and only ever lists inside it: counts and pages see that test's rows only.
public abstract class ListOrganizationsTests(DatabaseFixture fixture)
{
    private static readonly Actor Tester = new("list-tests", "List tests");

    private SeededData Seed => fixture.Seed;

    [Fact]
    public async Task List_ByDefault_ShowsActiveTabAndCountsEveryStatus()
    {
        var partner = await NewPartnerAsync();
        var active = await CreateManyAsync(partner, "Active", 3);
        var suspended = await CreateManyAsync(partner, "Suspended", 2);
        var unsubscribed = await CreateManyAsync(partner, "Unsubscribed", 1);
        var deleted = await CreateManyAsync(partner, "Deleted", 1);
        await RunAsync<SuspendOrganization>(suspended, (u, c) => u.HandleAsync(c, default));
        await RunAsync<UnsubscribeOrganization>(unsubscribed, (u, c) => u.HandleAsync(c, default));
        await RunAsync<DeleteOrganization>(deleted, async (u, c) => (await u.HandleAsync(c, default)).Error is { } e ? Result.Fail(e) : Result.Ok);

        var list = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner)));

        list.Counts.ShouldBe(new StatusCounts(3, 2, 1, 1));
        list.Rows.Select(r => r.Id).ShouldBe(active.Select(o => o.Id), ignoreOrder: true);
        list.Rows.ShouldAllBe(r => r.Status == OrganizationStatus.Active);
        list.PreviousCursor.ShouldBeNull();
        list.NextCursor.ShouldBeNull();

        var tabs = new Dictionary<OrganizationStatus, IReadOnlyList<Organization>>
        {
            [OrganizationStatus.Suspended] = suspended,
            [OrganizationStatus.Unsubscribed] = unsubscribed,
            [OrganizationStatus.Deleted] = deleted,
        };
        foreach (var (status, expected) in tabs)
        {
            var tab = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), status));
            tab.Rows.Select(r => r.Id).ShouldBe(expected.Select(o => o.Id), ignoreOrder: true, customMessage: status.ToString());
            tab.Counts.ShouldBe(list.Counts);
        }
    }

    [Fact]
    public async Task List_Row_CarriesPlanOwnerUsageAndStatusFacts()
    {
        var partner = await NewPartnerAsync();
        var tag = NewTag();
        var backup = await CreateAsync(partner, Seed.Backup, $"Row Facts {tag}", seats: 40);
        var personal = await CreateAsync(partner, Seed.Personal, name: null);
        var auto = await CreateAsync(partner, Seed.Archiver, $"Auto Facts {tag}", autoLicense: true);
        await InDbAsync(async db =>
        {
            var org = await db.Organizations.SingleAsync(o => o.Id == backup.Id);
            org.RecordUsage(12, 12_400_000_000, null, logicalBytes: 31_700_000_000);
            org.SetCredentialError(true);
            return await db.SaveChangesAsync();
        });
        var unsubscribedAt = fixture.Clock.GetUtcNow();
        await RunAsync<UnsubscribeOrganization>([auto], (u, c) => u.HandleAsync(c, default));

        var active = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner)));
        var unsubscribed = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), OrganizationStatus.Unsubscribed));

        var row = active.Rows.Single(r => r.Id == backup.Id);
        row.ShouldBe(new OrganizationRow(
            backup.Id, backup.PublicId, backup.Name, PlanType.Backup, Seed.Backup.Name, Seed.Backup.MonthlyPrice, "EUR",
            backup.OwnerEmail, 40, false, 12, 12_400_000_000, 31_700_000_000, OrganizationStatus.Active, null, null, backup.StatusChangedAt, true));
        var personalRow = active.Rows.Single(r => r.Id == personal.Id);
        personalRow.PlanType.ShouldBe(PlanType.Personal);
        personalRow.Name.ShouldBe(personal.Name);
        personalRow.Seats.ShouldBeNull();
        personalRow.CredentialError.ShouldBeFalse();
        var autoRow = unsubscribed.Rows.ShouldHaveSingleItem();
        autoRow.Id.ShouldBe(auto.Id);
        autoRow.AutoLicense.ShouldBeTrue();
        autoRow.Seats.ShouldBeNull();
        autoRow.PlanName.ShouldBe(Seed.Archiver.Name);
        autoRow.PurgeDueAt.ShouldBe(unsubscribedAt + TimeSpan.FromDays(PlatformSettings.DefaultGraceDays));
        autoRow.StatusChangedAt.ShouldBe(unsubscribedAt);
    }

    [Fact]
    public async Task List_WithPlanFilter_ListsAndCountsOnlyThatPlanType()
    {
        var partner = await NewPartnerAsync();
        var tag = NewTag();
        var personal = await CreateAsync(partner, Seed.Personal, name: null);
        var backup = await CreateAsync(partner, Seed.Backup, $"Plan Backup {tag}");
        var backupPlus = await CreateAsync(partner, Seed.Backup2, $"Plan Backup Plus {tag}");
        var archiver = await CreateAsync(partner, Seed.Archiver, $"Plan Archiver {tag}");
        var suspendedArchiver = await CreateAsync(partner, Seed.Archiver, $"Plan Archiver Suspended {tag}");
        await RunAsync<SuspendOrganization>([suspendedArchiver], (u, c) => u.HandleAsync(c, default));

        var all = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner)));
        var personals = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), PlanType: PlanType.Personal));
        var backups = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), PlanType: PlanType.Backup));
        var archivers = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), PlanType: PlanType.Archiver));

        all.Rows.Count.ShouldBe(4);
        all.Counts.ShouldBe(new StatusCounts(4, 1, 0, 0));
        personals.Rows.Select(r => r.Id).ShouldBe([personal.Id]);
        personals.Counts.ShouldBe(new StatusCounts(1, 0, 0, 0));
        backups.Rows.Select(r => r.Id).ShouldBe([backup.Id, backupPlus.Id], ignoreOrder: true);
        backups.Counts.ShouldBe(new StatusCounts(2, 0, 0, 0));
        archivers.Rows.Select(r => r.Id).ShouldBe([archiver.Id]);
        archivers.Counts.ShouldBe(new StatusCounts(1, 1, 0, 0));
    }

    [Fact]
    public async Task List_NeedAuthentication_ListsAndCountsOnlyCredentialErrors()
    {
        var partner = await NewPartnerAsync();
        var orgs = await CreateManyAsync(partner, "Credentials", 4);
        await SetCredentialErrorAsync(orgs[1].Id);
        await SetCredentialErrorAsync(orgs[3].Id);
        await RunAsync<SuspendOrganization>([orgs[3]], (u, c) => u.HandleAsync(c, default));

        var all = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner)));
        var needing = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Credential: CredentialFilter.NeedAuthentication));
        var needingBackup = await ListOkAsync(new ListOrganizationsRequest(
            Scope.Partner(partner), PlanType: PlanType.Personal, Credential: CredentialFilter.NeedAuthentication));

        all.Rows.Count.ShouldBe(3);
        needing.Rows.Select(r => r.Id).ShouldBe([orgs[1].Id]);
        needing.Rows.ShouldAllBe(r => r.CredentialError);
        needing.Counts.ShouldBe(new StatusCounts(1, 1, 0, 0));
        needingBackup.Rows.ShouldBeEmpty();
        needingBackup.Counts.ShouldBe(new StatusCounts(0, 0, 0, 0));
    }

    [Theory]
    [InlineData("wind")]
    [InlineData("WIND")]
    [InlineData("  nOrThWiNd   tRaD ")]
    [InlineData("Ｎｏｒｔｈｗｉｎｄ")]
    public async Task Search_PartialNameAnyCase_FindsTheOrganization(string search)
    {
        var partner = await NewPartnerAsync();
        var tag = Letters();
        var northwind = await CreateAsync(partner, Seed.Backup, $"Northwind Traders {tag}");
        await CreateAsync(partner, Seed.Backup, $"Contoso Pharmacy {tag}");

        var list = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: search));

        list.Rows.Select(r => r.Id).ShouldBe([northwind.Id]);
        list.Counts.ShouldBe(new StatusCounts(1, 0, 0, 0));
    }

    [Fact]
    public async Task Search_PartialOrganizationIdInAnyCase_FindsTheOrganization()
    {
        var partner = await NewPartnerAsync();
        var orgs = await CreateManyAsync(partner, "Identified", 3);
        var target = orgs[1];

        var middle = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: target.PublicId[3..10].ToLowerInvariant()));
        var whole = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: " " + target.PublicId + " "));

        middle.Rows.Select(r => r.Id).ShouldBe([target.Id]);
        whole.Rows.Select(r => r.Id).ShouldBe([target.Id]);
    }

    /// Every character of a search is literal: LIKE wildcards, quotes, backslash, emoji, accents.
    /// Each name has a decoy without the special character.
    [Theory]
    [InlineData("100%", "100% Uptime")]
    [InlineData("%", "100% Uptime")]
    [InlineData("0%", "100% Uptime")]
    [InlineData("a_b", "a_b Systems")]
    [InlineData("_", "a_b Systems")]
    [InlineData("O'Brien", "O'Brien & Sons")]
    [InlineData("'", "O'Brien & Sons")]
    [InlineData("back\\slash", "back\\slash Ltd")]
    [InlineData("\\", "back\\slash Ltd")]
    [InlineData("\\s", "back\\slash Ltd")]
    [InlineData("\"quoted\"", "\"quoted\" Co")]
    [InlineData("\"", "\"quoted\" Co")]
    [InlineData("🦊", "🦊 Fox")]
    [InlineData("🦊 fOX", "🦊 Fox")]
    [InlineData("café", "Café Central")]
    [InlineData("CAFÉ", "Café Central")]
    [InlineData("cafe\u0301", "Café Central")]
    [InlineData("cafe ", "Cafe Central")]
    [InlineData("[a-z]", "[a-z] Brackets")]
    [InlineData("%%", null)]
    [InlineData("a%b", null)]
    [InlineData("*", null)]
    public async Task Search_SpecialCharacters_AreTakenLiterally(string search, string? expectedName)
    {
        var partner = await NewPartnerAsync();
        var tag = Letters();
        string[] names =
        [
            "100% Uptime", "100 Percent", "a_b Systems", "aXb Systems", "O'Brien & Sons", "OBrien Partners",
            "back\\slash Ltd", "backslash Ltd", "\"quoted\" Co", "quoted Co", "🦊 Fox", "Fox Den",
            "Café Central", "Cafe Central", "[a-z] Brackets", "az Brackets",
        ];
        var byName = new Dictionary<string, Guid>();
        foreach (var name in names)
        {
            byName[name] = (await CreateAsync(partner, Seed.Backup, $"{name} {tag}")).Id;
        }

        var list = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: search));

        list.Rows.Select(r => r.Id).ShouldBe(expectedName is null ? [] : [byName[expectedName]]);
        list.Counts.Active.ShouldBe(expectedName is null ? 0 : 1);
    }

    [Fact]
    public async Task Search_ForPercent_ReturnsOnlyNamesContainingPercent()
    {
        var partner = await NewPartnerAsync();
        var tag = Letters();
        var percent = await CreateAsync(partner, Seed.Backup, $"Uptime 99.9% {tag}");
        var percent2 = await CreateAsync(partner, Seed.Archiver, $"%Start {tag}");
        await CreateManyAsync(partner, "Plain", 5);

        var list = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: "%"));

        list.Rows.Select(r => r.Id).ShouldBe([percent.Id, percent2.Id], ignoreOrder: true);
        list.Rows.ShouldAllBe(r => r.Name.Contains('%'));
    }

    [Fact]
    public async Task Search_OnlyWhiteSpace_IsNoSearch()
    {
        var partner = await NewPartnerAsync();
        await CreateManyAsync(partner, "Blank", 3);

        var list = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: "   "));

        list.Rows.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Pages_Over45Organizations_ForwardToTheEndAndBackWithoutDuplicatesOrGaps()
    {
        var partner = await NewPartnerAsync();
        var tag = Letters();
        var ids = new List<Guid>();
        for (var i = 0; i < 35; i++)
        {
            // Mixed case and accents, so the order is the normalized one, not the typed one.
            var name = (i % 3) switch { 0 => $"alpha {i:00} {tag}", 1 => $"Bravo {i:00} {tag}", _ => $"Écho {i:00} {tag}" };
            ids.Add((await CreateAsync(partner, i % 2 == 0 ? Seed.Backup : Seed.Archiver, name)).Id);
        }

        // Personal organizations share their owner's name: ten equal names, ordered by ID.
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await CreateAsync(partner, Seed.Personal, name: null)).Id);
        }

        var scope = Scope.Partner(partner);
        var expected = await InDbAsync(db => db.Organizations.AsNoTracking()
            .Where(o => o.PartnerId == partner.Id)
            .OrderBy(o => o.NameNormalized).ThenBy(o => o.Id)
            .Select(o => new { o.Id, o.NameNormalized })
            .ToListAsync());
        expected.Select(e => e.Id).ShouldBe(ids, ignoreOrder: true);
        expected.Select(e => e.NameNormalized).ShouldBe(expected.Select(e => e.NameNormalized).Order(CodePointOrder.Instance));

        var page1 = await ListOkAsync(new ListOrganizationsRequest(scope));
        var page2 = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: page1.NextCursor));
        var page3 = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: page2.NextCursor));

        page1.Rows.Count.ShouldBe(20);
        page2.Rows.Count.ShouldBe(20);
        page3.Rows.Count.ShouldBe(5);
        page1.PreviousCursor.ShouldBeNull();
        page1.NextCursor.ShouldNotBeNull();
        page2.PreviousCursor.ShouldNotBeNull();
        page2.NextCursor.ShouldNotBeNull();
        page3.PreviousCursor.ShouldNotBeNull();
        page3.NextCursor.ShouldBeNull();
        page1.Rows.Concat(page2.Rows).Concat(page3.Rows).Select(r => r.Id).ShouldBe(expected.Select(e => e.Id));
        page1.Counts.ShouldBe(new StatusCounts(45, 0, 0, 0));
        page3.Counts.ShouldBe(page1.Counts);

        var back2 = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: page3.PreviousCursor, Direction: PageDirection.Previous));
        var back1 = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: back2.PreviousCursor, Direction: PageDirection.Previous));

        back2.Rows.Select(r => r.Id).ShouldBe(page2.Rows.Select(r => r.Id));
        back2.PreviousCursor.ShouldNotBeNull();
        back2.NextCursor.ShouldNotBeNull();
        back1.Rows.Select(r => r.Id).ShouldBe(page1.Rows.Select(r => r.Id));
        back1.PreviousCursor.ShouldBeNull();
        back1.NextCursor.ShouldNotBeNull();

        // And forward again from the page reached going back.
        var again = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: back1.NextCursor));
        again.Rows.Select(r => r.Id).ShouldBe(page2.Rows.Select(r => r.Id));
    }

    [Fact]
    public async Task Pages_OfExactlyOnePage_HaveNoNeighbours()
    {
        var partner = await NewPartnerAsync();
        await CreateManyAsync(partner, "Exact", ListOrganizations.PageSize);

        var list = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner)));

        list.Rows.Count.ShouldBe(ListOrganizations.PageSize);
        list.PreviousCursor.ShouldBeNull();
        list.NextCursor.ShouldBeNull();
    }

    [Fact]
    public async Task Pages_WithFilters_PageInsideTheFilter()
    {
        var partner = await NewPartnerAsync();
        var orgs = await CreateManyAsync(partner, "Filtered", 24);
        foreach (var org in orgs.Take(22))
        {
            await SetCredentialErrorAsync(org.Id);
        }

        var request = new ListOrganizationsRequest(Scope.Partner(partner), Credential: CredentialFilter.NeedAuthentication);
        var first = await ListOkAsync(request);
        var second = await ListOkAsync(request with { Cursor = first.NextCursor });

        first.Rows.Count.ShouldBe(20);
        second.Rows.Count.ShouldBe(2);
        second.NextCursor.ShouldBeNull();
        first.Rows.Concat(second.Rows).Select(r => r.Id).ShouldBe(orgs.Take(22).Select(o => o.Id), ignoreOrder: true);
    }

    [Fact]
    public async Task Cursor_WhoseRowsVanished_KeepsItsPlace_InsteadOfStartingOver()
    {
        var partner = await NewPartnerAsync();
        var orgs = await CreateManyAsync(partner, "Vanish", 25);
        var scope = Scope.Partner(partner);
        var first = await ListOkAsync(new ListOrganizationsRequest(scope));
        var second = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: first.NextCursor));
        second.Rows.Count.ShouldBe(5);

        // The first page's last row leaves the tab: its cursor still leads to the same next rows.
        await RunAsync<SuspendOrganization>([orgs[19]], (u, c) => u.HandleAsync(c, default));
        var after = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: first.NextCursor));
        after.Rows.Select(r => r.Id).ShouldBe(second.Rows.Select(r => r.Id));

        // Every row after a cursor leaves the tab: an empty last page, not page 1 again (a client
        // following next cursors would see rows twice), with the way back to the rows before it.
        var last = ListOrganizations.EncodeCursor(TextKey.Name(second.Rows[0].Name), second.Rows[0].Id);
        await RunAsync<SuspendOrganization>(orgs.Skip(21), (u, c) => u.HandleAsync(c, default));
        var empty = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: last));
        empty.Rows.ShouldBeEmpty();
        empty.NextCursor.ShouldBeNull();
        empty.PreviousCursor.ShouldNotBeNull();
        var back = await ListOkAsync(new ListOrganizationsRequest(scope, Cursor: empty.PreviousCursor, Direction: PageDirection.Previous));
        back.Rows.Select(r => r.Id).ShouldBe(orgs.Take(19).Select(o => o.Id));
        back.PreviousCursor.ShouldBeNull();
        back.NextCursor.ShouldNotBeNull();

        // Without counts (the REST API's list): the same rows, the counts left at zero.
        var uncounted = await ListOkAsync(new ListOrganizationsRequest(scope, WithCounts: false));
        uncounted.Rows.Select(r => r.Id).ShouldBe((await ListOkAsync(new ListOrganizationsRequest(scope))).Rows.Select(r => r.Id));
        uncounted.Counts.ShouldBe(new StatusCounts(0, 0, 0, 0));
    }

    public static TheoryData<string> GarbageCursors =>
    [
        "not a cursor!",
        "AAAA",
        "%%%",
        new string('A', 10_000),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("hello")),
        Base64Url.EncodeToString([0xff, 0xfe, 0xfd, 0x00, 0x80]),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("N") + ":a\u0000b")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz:acme")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("N") + ":" + new string('x', 401))),
        // Well formed, but before the first row: nothing lies before it.
        ListOrganizations.EncodeCursor("", Guid.Empty),
    ];

    [Theory]
    [MemberData(nameof(GarbageCursors))]
    public async Task Cursor_Garbage_GivesTheFirstPage(string cursor)
    {
        var partner = await NewPartnerAsync();
        await CreateManyAsync(partner, "Garbage", 22);
        var first = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner)));

        foreach (var direction in Enum.GetValues<PageDirection>())
        {
            var list = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner), Cursor: cursor, Direction: direction));

            list.Rows.Select(r => r.Id).ShouldBe(first.Rows.Select(r => r.Id), customMessage: direction.ToString());
            list.PreviousCursor.ShouldBeNull();
            list.NextCursor.ShouldNotBeNull();
        }
    }

    [Fact]
    public void Cursor_RoundTrips_NameAndId()
    {
        var id = Guid.NewGuid();
        const string name = "🦊 o'brien \\ 100% \"x\" café";

        var cursor = ListOrganizations.EncodeCursor(name, id);

        cursor.ShouldMatch("^[A-Za-z0-9_-]+$");
        ListOrganizations.DecodeCursor(cursor).ShouldBe((name, id));
    }

    [Fact]
    public async Task Scope_OfSubPartner_SeesOnlyItsSubtree()
    {
        var parent = await NewPartnerAsync();
        var child = await NewPartnerAsync(parent);
        var grandChild = await NewPartnerAsync(child);
        var sibling = await NewPartnerAsync(parent);
        var parentOrgs = await CreateManyAsync(parent, "Parent", 2);
        var childOrgs = await CreateManyAsync(child, "Child", 2);
        var grandChildOrgs = await CreateManyAsync(grandChild, "Grandchild", 1);
        var siblingOrgs = await CreateManyAsync(sibling, "Sibling", 1);

        var fromParent = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(parent)));
        var fromChild = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(child)));
        var fromForeign = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(Seed.Foreign), Search: childOrgs[0].PublicId));
        var childSearchingParent = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(child), Search: parentOrgs[0].PublicId));

        fromParent.Rows.Select(r => r.Id).ShouldBe(
            parentOrgs.Concat(childOrgs).Concat(grandChildOrgs).Concat(siblingOrgs).Select(o => o.Id), ignoreOrder: true);
        fromChild.Rows.Select(r => r.Id).ShouldBe(childOrgs.Concat(grandChildOrgs).Select(o => o.Id), ignoreOrder: true);
        fromChild.Counts.ShouldBe(new StatusCounts(3, 0, 0, 0));
        fromForeign.Rows.ShouldBeEmpty();
        fromForeign.Counts.ShouldBe(new StatusCounts(0, 0, 0, 0));
        childSearchingParent.Rows.ShouldBeEmpty();
    }

    [Fact]
    public async Task Scope_OfAdministrator_SeesOnlyItsGroupsOrganizations()
    {
        var partner = await NewPartnerAsync();
        var child = await NewPartnerAsync(partner);
        var orgs = await CreateManyAsync(partner, "Grouped", 4);
        var childOrg = (await CreateManyAsync(child, "Grouped Child", 1))[0];
        var admin = await NewUserAsync(partner, PartnerRole.Administrator);
        var other = await NewUserAsync(partner, PartnerRole.Administrator);
        await GroupAsync(partner, [admin.Id], [orgs[0].Id, orgs[1].Id, childOrg.Id]);
        await GroupAsync(partner, [admin.Id, other.Id], [orgs[1].Id, orgs[2].Id]);
        await RunAsync<SuspendOrganization>([orgs[2]], (u, c) => u.HandleAsync(c, default));

        var mine = await ListOkAsync(new ListOrganizationsRequest(new Scope(partner.Path, admin.Id)));
        var theirs = await ListOkAsync(new ListOrganizationsRequest(new Scope(partner.Path, other.Id)));
        var ungrouped = await ListOkAsync(new ListOrganizationsRequest(new Scope(partner.Path, admin.Id), Search: orgs[3].PublicId));

        mine.Rows.Select(r => r.Id).ShouldBe([orgs[0].Id, orgs[1].Id, childOrg.Id], ignoreOrder: true);
        mine.Counts.ShouldBe(new StatusCounts(3, 1, 0, 0));
        theirs.Rows.Select(r => r.Id).ShouldBe([orgs[1].Id]);
        theirs.Counts.ShouldBe(new StatusCounts(1, 1, 0, 0));
        ungrouped.Rows.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(201)]
    [InlineData(10_000)]
    public async Task Search_LongerThan200Characters_IsAValidationError(int length)
    {
        var partner = await NewPartnerAsync();
        await CreateManyAsync(partner, "Long", 1);

        var result = await ListAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: new string('a', length)));

        var error = result.Error.ShouldBeOfType<SearchTooLong>();
        error.Message.ShouldBe("Search is limited to 200 characters.");
        error.Field.ShouldBe("search");
    }

    [Fact]
    public async Task Search_Of200CharactersWithSurroundingSpaces_IsAccepted()
    {
        var partner = await NewPartnerAsync();

        var result = await ListAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: "  " + new string('a', 200) + "  "));

        result.ShouldSucceed().Rows.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("bell\u0007")]
    [InlineData("broken \ud83e")]
    [InlineData("bad \ufffd bytes")]
    public async Task Search_WithControlOrBrokenCharacters_IsAValidationError(string search)
    {
        var partner = await NewPartnerAsync();

        var result = await ListAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: search));

        result.Error.ShouldBeOfType<SearchNotPlainText>().Field.ShouldBe("search");
    }

    [Fact]
    public async Task List_CountsAfterMixedChanges_EqualCountingTheRows()
    {
        var parent = await NewPartnerAsync();
        var child = await NewPartnerAsync(parent);
        var tag = NewTag();
        var orgs = new List<Organization>();
        for (var i = 0; i < 4; i++)
        {
            orgs.Add(await CreateAsync(i % 2 == 0 ? parent : child, Seed.Backup, $"Mixed Backup {i} {tag}"));
            orgs.Add(await CreateAsync(i % 2 == 0 ? child : parent, Seed.Archiver, $"Mixed Archiver {i} {tag}"));
            orgs.Add(await CreateAsync(i % 2 == 0 ? parent : child, Seed.Personal, name: null));
        }

        await RunAsync<SuspendOrganization>(orgs.Take(3), (u, c) => u.HandleAsync(c, default));
        await RollUpCountsAsync();
        await RunAsync<ReactivateOrganization>(orgs.Take(1), (u, c) => u.HandleAsync(c, default));
        await RunAsync<UnsubscribeOrganization>(orgs.Skip(3).Take(2), (u, c) => u.HandleAsync(c, default));
        await RunAsync<DeleteOrganization>(orgs.Skip(5).Take(1), async (u, c) => (await u.HandleAsync(c, default)).Error is { } e ? Result.Fail(e) : Result.Ok);
        foreach (var org in orgs.Where((_, i) => i % 4 == 2))
        {
            await SetCredentialErrorAsync(org.Id);
        }

        await RunAsync<ChangePlan>(orgs.Skip(6).Take(1), (u, c) => u.HandleAsync(c, Seed.Archiver.Id, default));

        foreach (var scope in new[] { Scope.Partner(parent), Scope.Partner(child) })
        {
            foreach (var plan in new PlanType?[] { null, PlanType.Personal, PlanType.Backup, PlanType.Archiver })
            {
                foreach (var credential in new[] { CredentialFilter.All, CredentialFilter.NeedAuthentication })
                {
                    var listed = await ListOkAsync(new ListOrganizationsRequest(scope, PlanType: plan, Credential: credential));
                    var counted = await InDbAsync(async db =>
                    {
                        var rows = db.InScope(scope).Where(o => plan == null || o.PlanType == plan);
                        if (credential == CredentialFilter.NeedAuthentication)
                        {
                            rows = rows.Where(o => o.CredentialError);
                        }

                        var statuses = await rows.Select(o => o.Status).ToListAsync();
                        return new StatusCounts(
                            statuses.Count(s => s == OrganizationStatus.Active),
                            statuses.Count(s => s == OrganizationStatus.Suspended),
                            statuses.Count(s => s == OrganizationStatus.Unsubscribed),
                            statuses.Count(s => s == OrganizationStatus.Deleted));
                    });
                    listed.Counts.ShouldBe(counted, $"{scope.PartnerPath} {plan} {credential}");
                }
            }
        }

        var all = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(parent)));
        all.Counts.ShouldBe(new StatusCounts(12 - 2 - 2 - 1, 2, 2, 1));
    }

    [Fact]
    public async Task Search_RareAndCommonForms_GiveTheSameRowsCursorsAndCappedCounts()
    {
        var partner = await NewPartnerAsync();
        var child = await NewPartnerAsync(partner);
        var tag = Letters();
        var matches = new List<Organization>();
        for (var i = 0; i < 25; i++)
        {
            matches.Add(await CreateAsync(i % 3 == 0 ? child : partner, Seed.Backup, $"Capped {tag} {i:00}"));
        }

        await CreateManyAsync(partner, "Unrelated", 3);
        await RunAsync<SuspendOrganization>(matches.Take(3), (u, c) => u.HandleAsync(c, default));

        async Task<OrganizationList> ListWithAsync((int Rare, int Walk) limits, string? cursor, PageDirection direction)
        {
            await using var scope = fixture.Services.CreateAsyncScope();
            var list = new ListOrganizations(scope.ServiceProvider.GetRequiredService<AppDbContext>())
            {
                SearchCountCap = 10,
                RareSearchMatches = limits.Rare,
                WalkScopeLimit = limits.Walk,
            };
            return (await list.HandleAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: $"CAPPED {tag}", Cursor: cursor, Direction: direction), default)).ShouldSucceed();
        }

        // Walked as a small scope; walked as a common term; read through the trigram indexes as a rare one.
        foreach (var limits in new[] { (Rare: 5000, Walk: int.MaxValue), (Rare: -1, Walk: -1), (Rare: int.MaxValue, Walk: -1) })
        {
            var rareLimit = limits;
            var first = await ListWithAsync(limits, null, PageDirection.Next);
            var second = await ListWithAsync(limits, first.NextCursor, PageDirection.Next);
            var back = await ListWithAsync(limits, second.PreviousCursor, PageDirection.Previous);

            var expected = matches.Skip(3).OrderBy(o => o.NameNormalized, StringComparer.Ordinal).Select(o => o.Id).ToList();
            first.Rows.Select(r => r.Id).ShouldBe(expected.Take(20), $"rare limit {rareLimit}");
            second.Rows.Select(r => r.Id).ShouldBe(expected.Skip(20), $"rare limit {rareLimit}");
            second.NextCursor.ShouldBeNull();
            back.Rows.Select(r => r.Id).ShouldBe(first.Rows.Select(r => r.Id));
            back.PreviousCursor.ShouldBeNull();

            first.Counts.ShouldBe(new StatusCounts(11, 3, 0, 0), $"rare limit {rareLimit}: more than the cap reads as cap + 1");
            first.CountCap.ShouldBe(10);
            first.CountText(OrganizationStatus.Active).ShouldBe("10+");
            first.CountText(OrganizationStatus.Suspended).ShouldBe("3");
        }

        var unsearched = await ListOkAsync(new ListOrganizationsRequest(Scope.Partner(partner)));
        unsearched.CountCap.ShouldBeNull();
        unsearched.CountText(OrganizationStatus.Active).ShouldBe("25");
    }

    /// Folds the counters' pending deltas where counters exist (PostgreSQL); counts must not change by it.
    protected virtual Task RollUpCountsAsync() => Task.CompletedTask;

    // ---- helpers ----------------------------------------------------------------------------

    private static string NewTag() => Guid.NewGuid().ToString("N")[..12];

    /// A tag no search term of these tests can match: none of its letters occur in them.
    private static string Letters() =>
        string.Concat(Enumerable.Range(0, 10).Select(_ => "jkqvwxyz"[Random.Shared.Next(8)]));

    private async Task<T> InDbAsync<T>(Func<AppDbContext, Task<T>> work)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    private async Task<Result<OrganizationList>> ListAsync(ListOrganizationsRequest request)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ListOrganizations>().HandleAsync(request, default);
    }

    private async Task<OrganizationList> ListOkAsync(ListOrganizationsRequest request) =>
        (await ListAsync(request)).ShouldSucceed();

    protected Task<Partner> NewPartnerAsync(Partner? parent = null) =>
        InDbAsync(async db =>
        {
            var partner = Partner.Create($"List Partner {NewTag()}", "DE", parent, isDistributor: false, fixture.Clock.GetUtcNow()).Value!;
            db.Partners.Add(partner);
            await db.SaveChangesAsync();
            return partner;
        });

    private Task<AppUser> NewUserAsync(Partner partner, PartnerRole role) =>
        InDbAsync(async db =>
        {
            var email = $"user.{NewTag()}@example.com";
            var user = new AppUser
            {
                Id = Guid.NewGuid(),
                UserName = email,
                NormalizedUserName = email.ToUpperInvariant(),
                Email = email,
                NormalizedEmail = email.ToUpperInvariant(),
                PartnerId = partner.Id,
                Role = role,
                SecurityStamp = Guid.NewGuid().ToString("N"),
            };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            return user;
        });

    private Task GroupAsync(Partner partner, Guid[] members, Guid[] organizations) =>
        InDbAsync(async db =>
        {
            var group = PartnerGroup.Create(partner.Id, $"Group {NewTag()}", fixture.Clock.GetUtcNow()).Value!;
            db.Groups.Add(group);
            db.GroupMembers.AddRange(members.Select(m => new PartnerGroupMember { GroupId = group.Id, UserId = m }));
            db.GroupOrganizations.AddRange(organizations.Select(o => new PartnerGroupOrganization { GroupId = group.Id, OrganizationId = o }));
            return await db.SaveChangesAsync();
        });

    /// A new organization; <paramref name="name"/> is ignored for Personal plans (it comes from the owner).
    protected async Task<Organization> CreateAsync(Partner partner, Plan plan, string? name, int seats = 10, bool autoLicense = false)
    {
        var tag = NewTag();
        var info = new PersonalInfo("Ann", "Smith", $"owner.{tag}@example.com", "DE", name);
        var input = new NewOrganization(info, autoLicense, Plan.HasSeats(plan.Type) && !autoLicense ? seats : null);
        await using var scope = fixture.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<CreateOrganization>()
            .HandleAsync(new CreateOrganizationRequest(Scope.Partner(partner), Tester, partner.Id, plan.Id, input), default);
        return created.ShouldSucceed();
    }

    private async Task<IReadOnlyList<Organization>> CreateManyAsync(Partner partner, string prefix, int count)
    {
        var tag = NewTag();
        var orgs = new List<Organization>();
        for (var i = 0; i < count; i++)
        {
            orgs.Add(await CreateAsync(partner, Seed.Backup, $"{prefix} {i:00} {tag}"));
        }

        return orgs;
    }

    private Task SetCredentialErrorAsync(Guid id) =>
        InDbAsync(async db =>
        {
            (await db.Organizations.SingleAsync(o => o.Id == id)).SetCredentialError(true);
            return await db.SaveChangesAsync();
        });

    private async Task RunAsync<TUseCase>(IEnumerable<Organization> orgs, Func<TUseCase, OrganizationCommand, Task<Result>> run)
        where TUseCase : notnull
    {
        foreach (var org in orgs)
        {
            await using var scope = fixture.Services.CreateAsyncScope();
            var result = await run(scope.ServiceProvider.GetRequiredService<TUseCase>(), new OrganizationCommand(Scope.Everything, Tester, org.Id));
            result.ShouldSucceed();
        }
    }

    /// Unicode code point order: the order of UTF-8 bytes, which both engines sort by.
    private sealed class CodePointOrder : IComparer<string>
    {
        public static readonly CodePointOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").EnumerateRunes();
            var b = (y ?? "").EnumerateRunes();
            while (true)
            {
                var moreA = a.MoveNext();
                var moreB = b.MoveNext();
                if (!moreA || !moreB)
                {
                    return moreA.CompareTo(moreB);
                }

                var c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0)
                {
                    return c;
                }
            }
        }
    }
}

public sealed class ListOrganizationsTests_Sqlite(SqliteFixture fixture)
    : ListOrganizationsTests(fixture), IClassFixture<SqliteFixture>
{
}

public sealed class ListOrganizationsTests_Postgres(PostgresFixture fixture)
    : ListOrganizationsTests(fixture), IClassFixture<PostgresFixture>
{
    protected override async Task RollUpCountsAsync()
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        await OrganizationCounters.RollUpAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), default);
    }

    /// Each form sets planner settings for its own statement on a pooled connection that is not
    /// reset when returned: afterwards the connection must be as it was.
    [Fact]
    public async Task List_EveryForm_LeavesItsConnectionsPlannerSettingsAsTheyWere()
    {
        var partner = await NewPartnerAsync();
        var tag = Guid.NewGuid().ToString("N")[..10];
        for (var i = 0; i < 3; i++)
        {
            await CreateAsync(partner, fixture.Seed.Backup, $"Planner {tag} {i}");
        }

        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.OpenConnectionAsync();
        async Task<string> SettingsAsync() => string.Join(",", await db.Database.SqlQueryRaw<string>(
            "SELECT current_setting('plan_cache_mode') || ' ' || current_setting('enable_seqscan') || ' ' || current_setting('enable_indexscan') AS \"Value\"").ToListAsync());
        var before = await SettingsAsync();
        before.ShouldBe("auto on on");

        // No search; a search walked as a small scope; as a common term; through the trigram indexes.
        foreach (var (search, rare, walk) in new[] { ((string?)null, 5000, 20_000), ("planner " + tag, 5000, int.MaxValue), ("planner " + tag, -1, -1), ("planner " + tag, int.MaxValue, -1) })
        {
            var list = new ListOrganizations(db) { RareSearchMatches = rare, WalkScopeLimit = walk };
            var page = (await list.HandleAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: search), default)).ShouldSucceed();
            page.Rows.Count.ShouldBe(3, $"search {search}, rare {rare}, walk {walk}");
            (await SettingsAsync()).ShouldBe(before, $"search {search}, rare {rare}, walk {walk}");
        }

        // A request cancelled before its batch ran leaves nothing either.
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() =>
            new ListOrganizations(db).HandleAsync(new ListOrganizationsRequest(Scope.Partner(partner), Search: "planner " + tag), cancelled.Token));
        (await SettingsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Counters_AfterRollUpAndRebuild_StayEqualToCountingTheRows()
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var partner = Partner.Create($"Counter Partner {Guid.NewGuid():N}", "DE", null, isDistributor: false, fixture.Clock.GetUtcNow()).Value!;
        db.Partners.Add(partner);
        await db.SaveChangesAsync();
        var create = scope.ServiceProvider.GetRequiredService<CreateOrganization>();
        for (var i = 0; i < 5; i++)
        {
            var info = new PersonalInfo("Ann", "Smith", $"counter.{Guid.NewGuid():N}@example.com", "DE", $"Counter {i} {Guid.NewGuid():N}");
            (await create.HandleAsync(new CreateOrganizationRequest(Scope.Partner(partner), new Actor("t", "t"), partner.Id, fixture.Seed.Backup.Id, new NewOrganization(info, false, 5)), default)).ShouldSucceed();
        }

        // A change that rolls back leaves no trace in the counts.
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE \"Organizations\" SET \"Status\" = 'Suspended' WHERE \"PartnerId\" = {0}", partner.Id);
            await tx.RollbackAsync();
        }

        async Task<long> CounterSumAsync() =>
            await db.Database.SqlQueryRaw<long>(
                "SELECT coalesce(sum(n), 0)::bigint AS \"Value\" FROM (SELECT \"Count\" AS n FROM \"OrganizationCounts\" WHERE \"PartnerId\" = {0} AND \"Status\" = 'Active' UNION ALL SELECT \"Delta\" FROM \"OrganizationCountDeltas\" WHERE \"PartnerId\" = {0} AND \"Status\" = 'Active') x",
                partner.Id).SingleAsync();

        (await CounterSumAsync()).ShouldBe(5);
        (await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM \"OrganizationCountDeltas\" WHERE \"PartnerId\" = {0}", partner.Id).SingleAsync()).ShouldBe(5);

        await OrganizationCounters.RollUpAsync(db, default);
        (await CounterSumAsync()).ShouldBe(5);
        (await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM \"OrganizationCountDeltas\" WHERE \"PartnerId\" = {0}", partner.Id).SingleAsync()).ShouldBe(0);

        // A change that bypasses the trigger is repaired by a rebuild.
        await db.Database.ExecuteSqlRawAsync("ALTER TABLE \"Organizations\" DISABLE TRIGGER organization_count_update");
        try
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE \"Organizations\" SET \"Status\" = 'Suspended' WHERE \"PartnerId\" = {0} AND \"Name\" LIKE 'Counter 0 %'", partner.Id);
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE \"Organizations\" ENABLE TRIGGER organization_count_update");
        }

        (await CounterSumAsync()).ShouldBe(5);
        var list = scope.ServiceProvider.GetRequiredService<ListOrganizations>();
        var stale = (await list.HandleAsync(new ListOrganizationsRequest(Scope.Partner(partner)), default)).ShouldSucceed();
        stale.Counts.ShouldBe(new StatusCounts(5, 0, 0, 0), "the page reads the counters, which missed the change");
        stale.Rows.Count.ShouldBe(4, "rows are read from the organizations themselves");

        await OrganizationCounters.RebuildAsync(db, default);
        (await CounterSumAsync()).ShouldBe(4);
        var listed = (await list.HandleAsync(new ListOrganizationsRequest(Scope.Partner(partner)), default)).ShouldSucceed();
        listed.Counts.ShouldBe(new StatusCounts(4, 1, 0, 0));
    }
}
