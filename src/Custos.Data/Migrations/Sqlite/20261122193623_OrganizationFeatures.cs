using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OrganizationFeatures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AdGroupBackupEnabled",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "ComplianceEnabled",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "DownloadLimitGb",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<bool>(
                name: "InPlaceArchiveBackupEnabled",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "InsightsEnabled",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PrivateChatBackupEnabled",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "FeatureEntitlements",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Feature = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    PartnerId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    GrantedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    GrantedById = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    GrantedByName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FeatureEntitlements", x => x.Id);
                    table.CheckConstraint("CK_FeatureEntitlements_OneGrantee", "(\"PartnerId\" IS NULL) <> (\"OrganizationId\" IS NULL)");
                    table.ForeignKey(
                        name: "FK_FeatureEntitlements_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_FeatureEntitlements_Partners_PartnerId",
                        column: x => x.PartnerId,
                        principalTable: "Partners",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_FeatureEntitlements_GrantedAt",
                table: "FeatureEntitlements",
                column: "GrantedAt");

            migrationBuilder.CreateIndex(
                name: "UX_FeatureEntitlements_Organization",
                table: "FeatureEntitlements",
                columns: new[] { "OrganizationId", "Feature" },
                unique: true,
                filter: "\"OrganizationId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "UX_FeatureEntitlements_Partner",
                table: "FeatureEntitlements",
                columns: new[] { "PartnerId", "Feature" },
                unique: true,
                filter: "\"PartnerId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "FeatureEntitlements");

            migrationBuilder.DropColumn(
                name: "AdGroupBackupEnabled",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "ComplianceEnabled",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "DownloadLimitGb",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "InPlaceArchiveBackupEnabled",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "InsightsEnabled",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "PrivateChatBackupEnabled",
                table: "Organizations");
        }
    }
}
