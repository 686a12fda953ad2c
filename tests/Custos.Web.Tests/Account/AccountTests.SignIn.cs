using System.Net;
using Custos.Data;
using Custos.Web.Components.Account;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Account;

public abstract partial class AccountTests<TFixture>
{
    [Fact]
    public async Task SignIn_WithTheRightPassword_SignsInAndOpensThePortal()
    {
        var user = await CreateUserAsync();
        using var session = PortalSession.Anonymous(App);

        using var response = await PostSignInAsync(session, user.Email, user.Password);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        LocationOf(response).ShouldBe(AccountEndpoints.StartPath);
        IsSignedIn(session).ShouldBeTrue();
        using var start = await session.GetAsync(AccountEndpoints.StartPath);
        LocationOf(start).ShouldBe("/organizations");
        (await OrganizationsStatusAsync(session)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SignIn_OfAnOperator_LeadsToTheConsole()
    {
        var email = $"operator.{Guid.NewGuid():N}@example.test";
        const string password = "Operator-Pass-0123";
        await App.InScopeAsync(async sp =>
        {
            var user = new AppUser { UserName = email, Email = email, DisplayName = "Operator", IsOperator = true };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, password)).Succeeded.ShouldBeTrue();
        });
        using var session = PortalSession.Anonymous(App);

        using var response = await PostSignInAsync(session, email, password);
        using var start = await session.GetAsync(LocationOf(response));

        LocationOf(start).ShouldBe("/operator/entitlements");
    }

    [Fact]
    public async Task StartPage_WithoutSignIn_AsksToSignIn()
    {
        using var session = PortalSession.Anonymous(App);

        using var start = await session.GetAsync(AccountEndpoints.StartPath);

        LocationOf(start).ShouldStartWith("/signin");
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_ShowsAnErrorAndSignsNobodyIn()
    {
        var user = await CreateUserAsync();
        using var session = PortalSession.Anonymous(App);

        using var response = await PostSignInAsync(session, user.Email, user.Password + "x");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(response)).ShouldContain("The email or password is not right.");
        IsSignedIn(session).ShouldBeFalse();
        (await OrganizationsStatusAsync(session)).ShouldBe(HttpStatusCode.Redirect);
        (await LoadUserAsync(user.Id)).AccessFailedCount.ShouldBe(1);
    }

    [Fact]
    public async Task SignIn_AfterFiveWrongPasswords_RefusesEvenTheRightOneFor15Minutes()
    {
        var user = await CreateUserAsync();
        using var session = PortalSession.Anonymous(App);

        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await PostSignInAsync(session, user.Email, $"Wrong-Password-{i}-Xy");
            answers.Add(await TextOfAsync(wrong));
        }

        var before = TimeProvider.System.GetUtcNow();
        using var right = await PostSignInAsync(session, user.Email, user.Password);

        answers.Take(4).ShouldAllBe(a => a.Contains("The email or password is not right."));
        answers[4].ShouldContain("This account is locked after too many failed sign-ins");
        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(right)).ShouldContain("This account is locked after too many failed sign-ins. Try again in 15 minutes");
        IsSignedIn(session).ShouldBeFalse();
        (await OrganizationsStatusAsync(session)).ShouldBe(HttpStatusCode.Redirect);
        var lockoutEnd = (await LoadUserAsync(user.Id)).LockoutEnd.ShouldNotBeNull();
        lockoutEnd.ShouldBeInRange(before.AddMinutes(14), before.AddMinutes(15).AddSeconds(5));
    }

    [Fact]
    public async Task SignIn_WithoutTheAntiforgeryToken_Answers400AndSignsNobodyIn()
    {
        var user = await CreateUserAsync();
        using var session = PortalSession.Anonymous(App);
        (await session.GetHtmlAsync("/signin")).ShouldContain("__RequestVerificationToken");

        using var response = await session.PostFormAsync("/signin", "signin", SignInFields(user.Email, user.Password), token: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        IsSignedIn(session).ShouldBeFalse();
        (await OrganizationsStatusAsync(session)).ShouldBe(HttpStatusCode.Redirect);
        (await LoadUserAsync(user.Id)).AccessFailedCount.ShouldBe(0);
    }

    [Fact]
    public async Task SignIn_WithOverlongOrControlCharacterInput_AnswersWithErrorsNot500()
    {
        using var session = PortalSession.Anonymous(App);

        using var longEmail = await PostSignInAsync(session, new string('a', 10_000) + "@example.test", "whatever-password");
        using var longPassword = await PostSignInAsync(session, "someone@example.test", new string('p', 10_000));
        using var control = await PostSignInAsync(session, "some\u0001one@example.test\u001b", "pass\u0007word\u007f");
        using var nul = await PostSignInAsync(session, "some\u0000one@example.test", "pass\u0000word");

        longEmail.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(longEmail)).ShouldContain("An email address has at most 254 characters.");
        longPassword.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(longPassword)).ShouldContain("A password has at most 256 characters.");
        control.StatusCode.ShouldBe(HttpStatusCode.OK);
        ((int)nul.StatusCode).ShouldBeInRange(400, 499);
        IsSignedIn(session).ShouldBeFalse();
    }
}
