from django.urls import path

from . import views

app_name = "economy"

urlpatterns = [
    path("", views.index, name="index"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:project_pk>/units/new/", views.unit_create, name="unit_create"),
    path("projects/<int:pk>/income/", views.income, name="income"),
    path("projects/<int:pk>/income.xlsx", views.income_xlsx, name="income_xlsx"),
    path("projects/<int:pk>/allocations/new/", views.allocation_create, name="allocation_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("tenants/", views.tenant_list, name="tenant_list"),
    path("tenants/new/", views.tenant_create, name="tenant_create"),
    path("tenants/<int:pk>/", views.tenant_detail, name="tenant_detail"),
    path("leases/", views.lease_list, name="lease_list"),
    path("leases/new/", views.lease_create, name="lease_create"),
    path("leases/<int:pk>/", views.lease_detail, name="lease_detail"),
    path("leases/<int:pk>/renew/", views.lease_renew, name="lease_renew"),
    path("leases/<int:pk>/terminate/", views.lease_terminate, name="lease_terminate"),
    path("leases/<int:pk>/deposit/received/", views.deposit_receive, name="deposit_receive"),
    path("leases/<int:pk>/deposit/returned/", views.deposit_return, name="deposit_return"),
    path("deposits/", views.deposit_list, name="deposit_list"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/generate/", views.invoices_generate, name="invoices_generate"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/payments/", views.payment_create, name="payment_create"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("payments/<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("arrears/", views.arrears, name="arrears"),
]
