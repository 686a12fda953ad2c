using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class NotificationSettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "LifecycleNotices",
                table: "Partners",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<int>(
                name: "NotificationSettingsVersion",
                table: "Partners",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "NotifyOrganizationOwner",
                table: "Partners",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<bool>(
                name: "NotifyPartnerAdmins",
                table: "Partners",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<bool>(
                name: "SendSignInByDefault",
                table: "Partners",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<long>(
                name: "LastPasswordResetAt",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_AccessLinks_OrganizationId_Purpose_CreatedAt",
                table: "AccessLinks",
                columns: new[] { "OrganizationId", "Purpose", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AccessLinks_OrganizationId_Purpose_CreatedAt",
                table: "AccessLinks");

            migrationBuilder.DropColumn(
                name: "LifecycleNotices",
                table: "Partners");

            migrationBuilder.DropColumn(
                name: "NotificationSettingsVersion",
                table: "Partners");

            migrationBuilder.DropColumn(
                name: "NotifyOrganizationOwner",
                table: "Partners");

            migrationBuilder.DropColumn(
                name: "NotifyPartnerAdmins",
                table: "Partners");

            migrationBuilder.DropColumn(
                name: "SendSignInByDefault",
                table: "Partners");

            migrationBuilder.DropColumn(
                name: "LastPasswordResetAt",
                table: "LoginAccounts");
        }
    }
}
