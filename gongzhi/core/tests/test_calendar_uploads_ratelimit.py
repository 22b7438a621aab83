import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gongzhi.core import calendar, ratelimit, uploads
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkCalendar, WorkCalendarDay

pytestmark = pytest.mark.django_db
LHASA = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=LHASA)


def test_working_hours_skip_the_lunch_break_and_the_weekend(tree):
    # Friday 2026-11-27 12:00: one hour left in the morning, three in the afternoon, then Monday.
    due = calendar.add_working_hours(tree.grid_a1, at(2026, 11, 27, 12, 0), 2)
    assert due == at(2026, 11, 27, 16, 30)
    due = calendar.add_working_hours(tree.grid_a1, at(2026, 11, 27, 17, 0), 24)
    assert due.date() == datetime.date(2026, 12, 3)


def test_a_holiday_is_skipped_and_an_adjusted_weekend_is_worked(tree):
    cal = WorkCalendar.objects.create(org_unit=tree.community_a, name="纳金社区")
    WorkCalendarDay.objects.create(
        calendar=cal, date=datetime.date(2026, 11, 30), is_working=False, note="假日"
    )
    WorkCalendarDay.objects.create(
        calendar=cal, date=datetime.date(2026, 11, 29), is_working=True, note="调休"
    )
    due = calendar.add_working_days(tree.grid_a1, at(2026, 11, 28, 10, 0), 2)
    assert due.date() == datetime.date(2026, 12, 1)
    # Community B keeps the standard calendar.
    assert calendar.add_working_days(tree.grid_b1, at(2026, 11, 28, 10, 0), 2).date() == datetime.date(
        2026, 12, 1
    )
    assert not calendar.is_working_day(tree.grid_a1, datetime.date(2026, 11, 30))
    assert calendar.is_working_day(tree.grid_b1, datetime.date(2026, 11, 30))


def _jpeg_with_gps():
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (29.0, 39.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_images_are_reencoded_without_exif(tree, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = _jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif()
    upload = uploads.upload_store(
        actor=None, file=SimpleUploadedFile("x.jpg", data), org_unit=tree.grid_a1, purpose="test.photo"
    )
    stored = Image.open(uploads.upload_path(upload))
    assert not stored.getexif()
    assert upload.content_type == "image/jpeg" and upload.path.endswith(".jpg") and "x.jpg" not in upload.path


def test_a_text_file_named_jpg_is_refused(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ApplicationError) as exc:
        uploads.upload_store(
            actor=None,
            file=SimpleUploadedFile("photo.jpg", b"hello, not an image"),
            org_unit=tree.grid_a1,
            purpose="test.photo",
        )
    assert exc.value.code == "not_an_image"


def test_an_oversized_file_is_refused(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (uploads.MAX_DOCUMENT_BYTES + 10))
    with pytest.raises(ApplicationError) as exc:
        uploads.upload_store(actor=None, file=big, org_unit=tree.grid_a1, purpose="test.doc")
    assert exc.value.code == "file_too_large"


def test_uploads_are_served_only_to_allowed_users(tree, make_user, login, roles, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    owner = make_user(roles.GRID_WORKER, tree.grid_a1)
    stranger = make_user(roles.GRID_WORKER, tree.grid_b1)
    upload = uploads.upload_store(
        actor=owner,
        file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 test"),
        org_unit=tree.grid_a1,
        purpose="test.doc",
    )
    url = reverse("core:upload", args=[upload.pk])
    response = login(owner).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(stranger).get(url).status_code == 404


def test_rate_limit_answers_429_with_retry_after():
    cache.clear()
    assert ratelimit.hit("t", "1.2.3.4", limit=2, window=60) is None
    assert ratelimit.hit("t", "1.2.3.4", limit=2, window=60) is None
    wait = ratelimit.hit("t", "1.2.3.4", limit=2, window=60)
    assert wait is not None and 1 <= wait <= 60
    assert ratelimit.hit("t", "5.6.7.8", limit=2, window=60) is None
