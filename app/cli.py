"""Command-line tools: thin click commands over plain functions."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from .extensions import db
from .models import UNIT_KINDS, OrgUnit, User
from .services.errors import Invalid
from .services.installation import create_installation
from .services.passwords import password_problem


def print_logins(logins) -> None:
    from .demo import DEMO_PASSWORD

    click.echo("")
    click.echo("Tài khoản demo (mật khẩu chung: %s):" % DEMO_PASSWORD)
    for username, role, where in logins:
        click.echo(f"  {username:<22} {role:<17} {where}")
    click.echo("  (mỗi xã, phường, phòng, sở có một tài khoản cán bộ đầu mối: xem Quản trị › Người dùng)")


def register_cli(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu chưa có đơn vị nào.")
    def seed_demo_command(if_empty: bool) -> None:
        """Nạp dữ liệu demo: hai tỉnh, các xã, tài khoản, đợt báo cáo."""
        import os

        from flask import current_app

        from .demo import demo_logins, seed_demo

        if current_app.config.get("ENV_NAME") == "production" or os.environ.get("TONGHOP_ENV") == "production":
            # 140 accounts sharing a published password have no place on a real server.
            raise click.ClickException("TONGHOP_ENV=production: không nạp dữ liệu demo trên máy chủ chính thức "
                                       "(các tài khoản demo dùng chung mật khẩu công khai).")
        if db.session.scalar(select(func.count(OrgUnit.id))):
            if if_empty:
                print_logins(demo_logins())
                return
            raise click.ClickException("Cơ sở dữ liệu đã có dữ liệu; không nạp demo lần nữa.")
        logins = seed_demo()
        db.session.commit()
        print_logins(logins)

    @app.cli.command("init-installation")
    @click.option("--unit-code", required=True, help="Mã đơn vị cấp cao nhất (vd. LCU).")
    @click.option("--unit-name", required=True, help="Tên đơn vị cấp cao nhất (vd. \"Tỉnh Lai Châu\").")
    @click.option("--unit-kind", default="province", show_default=True,
                  type=click.Choice(sorted(UNIT_KINDS)), help="Loại đơn vị cấp cao nhất.")
    @click.option("--admin", "username", required=True, help="Tên đăng nhập của quản trị viên hệ thống.")
    @click.option("--full-name", default="Quản trị hệ thống", show_default=True)
    def init_installation(unit_code: str, unit_name: str, unit_kind: str, username: str, full_name: str) -> None:
        """Khởi tạo một hệ thống mới: đơn vị cấp cao nhất và quản trị viên hệ thống (không nạp dữ liệu demo)."""
        try:
            user, password = create_installation(unit_code, unit_name, unit_kind, username, full_name)
        except Invalid as problem:
            raise click.ClickException(problem.message) from None
        db.session.commit()
        click.echo(f"Đã tạo đơn vị {user.unit.name} ({user.unit.code}) và quản trị viên hệ thống {user.username}.")
        click.echo(f"Mật khẩu dùng một lần: {password}")
        click.echo("Đăng nhập bằng mật khẩu này; hệ thống sẽ yêu cầu đặt mật khẩu mới ngay lần đầu.")

    @app.cli.command("apply-reorganisations")
    def apply_reorganisations_command() -> None:
        """Áp dụng các sáp nhập, tổ chức lại đã đến ngày hiệu lực (chạy hằng ngày; chạy lại không sao)."""
        from .reporting.clock import vn_today
        from .services.reorganisation import apply_due

        applied = apply_due(vn_today())
        db.session.commit()
        if applied:
            for line in applied:
                click.echo(f"Đã áp dụng: {line}")
        else:
            click.echo("Không có thay đổi tổ chức nào đến ngày hiệu lực.")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--unit-code", required=True, help="Mã đơn vị của quản trị viên.")
    @click.option("--system", "system", is_flag=True, help="Quản trị toàn hệ thống (mặc định: chỉ đơn vị và cấp dưới).")
    @click.password_option()
    def create_admin(username: str, unit_code: str, system: bool, password: str) -> None:
        """Tạo tài khoản quản trị của một đơn vị (và các đơn vị cấp dưới)."""
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
        if unit is None:
            raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"Tài khoản {username} đã có.")
        problem = password_problem(password, username, unit.name)
        if problem:
            raise click.ClickException(problem)
        user = User(username=username, full_name="Quản trị", role="admin", unit=unit, system_admin=system)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Đã tạo quản trị viên {username}.")

    from .backup import register_backup_cli
    register_backup_cli(app)

    from .worker import register_worker_cli
    register_worker_cli(app)
